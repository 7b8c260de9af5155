package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/bench"
	"github.com/shiftwire/shiftwire/internal/signing"
)

// benchAPI calls one server instance's API as the bench's client.
type benchAPI struct {
	base  string // http://host:port
	token string
	http  *http.Client
}

// newBenchAPI gets a token from the instance at addr for the client.
func newBenchAPI(ctx context.Context, addr, tenant, clientID, secret string) (*benchAPI, error) {
	a := &benchAPI{base: "http://" + addr, http: &http.Client{
		Timeout: 5 * time.Minute,
		Transport: &http.Transport{
			MaxIdleConns:        64,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     time.Minute,
		},
	}}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}
	body, err := a.call(ctx, http.MethodPost, "/tenants/"+tenant+"/connect/token", "application/x-www-form-urlencoded",
		[]byte(form.Encode()), http.StatusOK)
	if err != nil {
		return nil, err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("token response without a token: %v", err)
	}
	a.token = tok.AccessToken
	return a, nil
}

// call makes one request and returns the body of the expected answer.
func (a *benchAPI) call(ctx context.Context, method, path, contentType string, body []byte, want int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(out[:min(len(out), 500)]))
	}
	return out, nil
}

// benchCollection is the collection every bench webhook subscribes to and every change
// writes: break definitions need no other object, so each change is one object.
const benchCollection = shiftwire.BreakDefinitions

// createWebhook subscribes dest to collection and returns the webhook's id and signing key.
func (a *benchAPI) createWebhook(ctx context.Context, dest, collection string, batchSize int) (string, []byte, error) {
	path := "/connector/protimeapi/api/v1/webhooks"
	if batchSize > 0 {
		path += "?batchSize=" + strconv.Itoa(batchSize)
	}
	body, _ := json.Marshal(map[string]string{"destinationUrl": dest, "collectionName": collection})
	out, err := a.call(ctx, http.MethodPost, path, "application/json", body, http.StatusCreated)
	if err != nil {
		return "", nil, err
	}
	var created struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	if err := json.Unmarshal(out, &created); err != nil {
		return "", nil, err
	}
	key, err := signing.DecodeKey(created.Key)
	if err != nil {
		return "", nil, err
	}
	return created.ID, key, nil
}

// benchBreakDefinition is the object a bench change writes for id: the same shape and size
// whether it is loaded through the API or pre-filled into the store.
func benchBreakDefinition(id int64) *shiftwire.BreakDefinition {
	name := shiftwire.TranslatedText{Default: "Bench break " + strconv.FormatInt(id, 10), Translations: map[string]string{}}
	return &shiftwire.BreakDefinition{
		Base: shiftwire.Base{ID: id}, Name: name, FriendlyName: name,
		PaidDurationInMinutes: 15, MinimumDurationInMinutes: 15, MaximumDurationInMinutes: 30, IfNotClockedDurationInMinutes: 15,
	}
}

// changesBody is the NDJSON body of POST /changes writing objects first..last.
func changesBody(first, last int64) []byte {
	var b bytes.Buffer
	for id := first; id <= last; id++ {
		n := strconv.FormatInt(id, 10)
		b.WriteString(`{"collection":"` + benchCollection + `","changeType":"InsertOrUpdate","data":{"id":` + n +
			`,"name":{"default":"Bench break ` + n + `"},"paidDurationInMinutes":15,"minimumDurationInMinutes":15,` +
			`"maximumDurationInMinutes":30,"ifNotClockedDurationInMinutes":15}}` + "\n")
	}
	return b.Bytes()
}

// eventBody renders the event of object id as Shiftwire sends it, for the ceiling.
func eventBody(id int64) []byte {
	data, _ := json.Marshal(benchBreakDefinition(id))
	ev := []byte(`{"changeType":"InsertOrUpdate","data":`)
	ev = append(ev, shiftwire.WithChangeVersion(data, shiftwire.ChangeVersion(id))...)
	return append(ev, '}')
}

// loader writes the run's changes through POST /changes.
type loader struct {
	apis       []*benchAPI // one per instance; requests go round robin
	tracker    eventTracker
	writeBatch int
	maxID      int64
	healthy    int64                          // events each change makes at healthy destinations
	body       func(first, last int64) []byte // the request body writing objects first..last
	received   func() int64                   // events received of those healthy counts (default: all)

	next      atomic.Int64 // the last object id handed out
	sent      atomic.Int64 // changes whose write request was sent
	committed atomic.Int64 // changes whose write request was answered 200
	requests  atomic.Int64
	failed    atomic.Int64
	late      atomic.Int64 // fixed-rate requests sent more than 10 ms after their time
	writeTime bench.Histogram

	errMu    sync.Mutex
	firstErr error
}

// take hands out the next batch of object ids; ok is false when the run's ids are used up.
func (l *loader) take() (first, last int64, ok bool) {
	last = l.next.Add(int64(l.writeBatch))
	first = last - int64(l.writeBatch) + 1
	if first > l.maxID {
		return 0, 0, false
	}
	return first, min(last, l.maxID), true
}

// write sends objects first..last in one request to instance i.
func (l *loader) write(ctx context.Context, i int, first, last int64) {
	body := l.body(first, last)
	start := time.Now()
	l.tracker.Sent(first, last, start)
	l.sent.Add(last - first + 1)
	l.requests.Add(1)
	_, err := l.apis[i%len(l.apis)].call(ctx, http.MethodPost, "/connector/protimeapi/api/v1/changes", "application/x-ndjson", body, http.StatusOK)
	l.writeTime.Observe(time.Since(start))
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		l.failed.Add(1)
		l.errMu.Lock()
		if l.firstErr == nil {
			l.firstErr = err
		}
		l.errMu.Unlock()
		return
	}
	l.committed.Add(last - first + 1)
}

// outstanding is the number of events sent for but not yet received at healthy destinations.
func (l *loader) outstanding() int64 {
	if l.received != nil {
		return l.sent.Load()*l.healthy - l.received()
	}
	return l.sent.Load()*l.healthy - l.tracker.Received()
}

// closedLoop writes as fast as the server delivers: writers keep at most maxPending events
// outstanding, so the run measures sustained delivery rather than how fast a backlog grows.
// No request starts once load is done; those in flight then finish under ctx, since the
// server may commit them whatever the client does.
func (l *loader) closedLoop(ctx, load context.Context, writers int, maxPending int64) {
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for load.Err() == nil {
				if l.outstanding() >= maxPending {
					time.Sleep(time.Millisecond)
					continue
				}
				first, last, ok := l.take()
				if !ok {
					return
				}
				l.write(ctx, w, first, last)
			}
		}()
	}
	wg.Wait()
}

// fixedRate offers rate changes per second in requests of writeBatch, each at its scheduled
// time whatever happened to the ones before (an open loop, so a slow server cannot lower the
// offered load); up to writers requests are in flight at once. Scheduling stops once load is
// done; requests already handed to a writer finish under ctx.
func (l *loader) fixedRate(ctx, load context.Context, writers int, rate float64) {
	interval := time.Duration(float64(l.writeBatch) / rate * float64(time.Second))
	type job struct {
		first, last int64
		at          time.Time
	}
	jobs := make(chan job, 1)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if time.Since(j.at) > 10*time.Millisecond {
					l.late.Add(1)
				}
				l.write(ctx, w, j.first, j.last)
			}
		}()
	}
	start := time.Now()
	for k := 0; load.Err() == nil; k++ {
		at := start.Add(time.Duration(k) * interval)
		if d := time.Until(at); d > 0 {
			select {
			case <-load.Done():
			case <-time.After(d):
			}
		}
		if load.Err() != nil {
			break
		}
		first, last, ok := l.take()
		if !ok {
			break
		}
		select {
		case jobs <- job{first, last, at}:
		case <-load.Done():
			// Taken but never sent: nothing was written for these ids.
		}
	}
	close(jobs)
	wg.Wait()
}

// err returns the first failed write, if any.
func (l *loader) err() error {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	return l.firstErr
}

// benchScopes are the scopes the bench's client needs for workload.
func benchScopes(workload string) string {
	collections := []string{benchCollection}
	if workload == workloadRealistic {
		collections = append(realisticCollections[:len(realisticCollections):len(realisticCollections)],
			shiftwire.People, shiftwire.Terminals, shiftwire.Contracts)
	}
	scopes := []string{shiftwire.ScopeWebhooksRead, shiftwire.ScopeWebhooksWrite}
	for _, c := range collections {
		scopes = append(scopes, shiftwire.ReadScope(c), shiftwire.WriteScope(c))
	}
	return strings.Join(scopes, " ")
}

// countOf counts the elements of s equal to v.
func countOf(s []int, v int) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

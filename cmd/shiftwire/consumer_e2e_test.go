package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/consumer"
	"github.com/shiftwire/shiftwire/internal/signing"
)

// consumerSink is a loopback destination running the consumer package's handler for one
// collection, recording the events it applied and the lifecycle notices it received.
type consumerSink struct {
	*httptest.Server
	handler *consumer.Handler

	mu      sync.Mutex
	applied []consumer.Event
	notices []consumer.Notice
	tries   int   // Apply's calls, failed ones included
	fail    error // Apply's answer while set
}

// newConsumerSink starts a handler for collection. It holds a random key until the test
// gives it the webhook's with SetKeys: the webhook needs the URL before it has a key.
func newConsumerSink(t *testing.T, collection string) *consumerSink {
	t.Helper()
	s := &consumerSink{}
	h, err := consumer.NewHandler(consumer.Config{
		Collection: collection,
		Keys:       []string{newEncodedKey(t)},
		Apply: func(_ context.Context, ev consumer.Event) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.tries++
			if s.fail != nil {
				return s.fail
			}
			s.applied = append(s.applied, ev)
			return nil
		},
		Notice: func(_ context.Context, n consumer.Notice) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.notices = append(s.notices, n)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.handler = h
	s.Server = httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

func newEncodedKey(t *testing.T) string {
	t.Helper()
	k, err := signing.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return signing.EncodeKey(k.Reveal())
}

func (s *consumerSink) events() []consumer.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]consumer.Event(nil), s.applied...)
}

// waitApplied waits until the sink applied version v of object id.
func (s *consumerSink) waitApplied(t *testing.T, id int64, v string) consumer.Event {
	t.Helper()
	var found consumer.Event
	waitFor(t, 20*time.Second, fmt.Sprintf("object %d at %s", id, v), func() bool {
		for _, ev := range s.events() {
			if ev.ID == id && ev.ChangeVersion.String() == v {
				found = ev
				return true
			}
		}
		return false
	})
	return found
}

// post sends body with header to the sink and returns the status.
func (s *consumerSink) post(t *testing.T, body []byte, header map[string]string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// consumerAPI is a server and the client a consumer test calls it as.
type consumerAPI struct {
	*testServer
	c testClient
}

// recordedAttempt is an attempt as GET /webhooks/{id}/deliveries/{deliveryId} shows it.
type recordedAttempt struct {
	StatusCode     int      `json:"statusCode"`
	Outcome        string   `json:"outcome"`
	ChangeVersions []string `json:"changeVersions"`
	Request        struct {
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"request"`
}

// attempts returns every recorded attempt of webhook id, newest first, in full.
func (f consumerAPI) attempts(t *testing.T, id string) []recordedAttempt {
	t.Helper()
	return f.attemptsWhere(t, id, "")
}

// attemptsWhere returns the recorded attempts of webhook id that filter selects, newest
// first, in full.
func (f consumerAPI) attemptsWhere(t *testing.T, id, filter string) []recordedAttempt {
	t.Helper()
	path := webhooksPath + "/" + id + "/deliveries"
	if filter != "" {
		path += "?filter=" + url.QueryEscape(filter)
	}
	var list struct {
		Value []struct {
			ID string `json:"id"`
		} `json:"value"`
	}
	f.call(f.c, http.MethodGet, path, "").decodeLoose(t, &list)
	out := make([]recordedAttempt, len(list.Value))
	for i, a := range list.Value {
		f.call(f.c, http.MethodGet, webhooksPath+"/"+id+"/deliveries/"+a.ID, "").decodeLoose(t, &out[i])
	}
	return out
}

// waitAttempts waits until webhook id has at least n recorded attempts (their outcomes are
// written shortly after the destination answered) and returns them, newest first.
func (f consumerAPI) waitAttempts(t *testing.T, id string, n int) []recordedAttempt {
	t.Helper()
	var got []recordedAttempt
	waitFor(t, 20*time.Second, fmt.Sprintf("%d attempts of webhook %s", n, id), func() bool {
		got = f.attempts(t, id)
		return len(got) >= n
	})
	return got
}

// readObject returns an object as GET shows it and its changeVersion.
func (f consumerAPI) readObject(t *testing.T, path string, into any) string {
	t.Helper()
	resp := f.call(f.c, http.MethodGet, collectionAPI+path, "")
	resp.decodeLoose(t, into)
	var v struct {
		ChangeVersion string `json:"changeVersion"`
	}
	resp.decodeLoose(t, &v)
	return v.ChangeVersion
}

// decodeLoose checks a 200 answer and decodes the members of its body that v has, as a
// consumer does: the body has members, such as changeVersion, that v has not.
func (r *apiResponse) decodeLoose(t *testing.T, v any) {
	t.Helper()
	r.wantStatus(t, http.StatusOK)
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// TestConsumerEndToEnd subscribes the consumer package's handler to a real server and
// checks what it hands the program: every change decoded into the collection's type, equal to
// what the API reads back and rendering back to the event, in order per object, in one-event
// and batch mode; deletes; old changes replayed with the server's own signature skipped;
// pings answered; and requests it cannot verify rejected until it has the right key.
func TestConsumerEndToEnd(t *testing.T) {
	f := newFixture(t, "--allow-private-destinations", "--allow-insecure-destinations")
	checkConsumerEndToEnd(t, consumerAPI{f.testServer, f.acme})
}

// TestConsumerEndToEndPostgres is TestConsumerEndToEnd on PostgreSQL, run when
// TEST_DATABASE_URL is set.
func TestConsumerEndToEndPostgres(t *testing.T) {
	srv, client := startPostgresServer(t, "--allow-private-destinations", "--allow-insecure-destinations")
	checkConsumerEndToEnd(t, consumerAPI{srv, client})
}

// checkConsumerEndToEnd runs TestConsumerEndToEnd on a server, as a client holding every
// scope.
func checkConsumerEndToEnd(t *testing.T, f consumerAPI) {
	single := newConsumerSink(t, shiftwire.Clockings)
	batched := newConsumerSink(t, shiftwire.Clockings)
	hook := f.createWebhook(f.c, "", hookBody(single.URL, shiftwire.Clockings))
	batchHook := f.createWebhook(f.c, "batchSize=50", hookBody(batched.URL, shiftwire.Clockings))
	if err := single.handler.SetKeys(hook.Key); err != nil {
		t.Fatal(err)
	}
	if err := batched.handler.SetKeys(batchHook.Key); err != nil {
		t.Fatal(err)
	}
	withRefs := newConsumerSink(t, shiftwire.Clockings)
	refsHook := f.createWebhook(f.c, "externalReferences=(people,@badge-number)", hookBody(withRefs.URL, shiftwire.Clockings))
	if err := withRefs.handler.SetKeys(refsHook.Key); err != nil {
		t.Fatal(err)
	}

	put := func(path, body string) {
		t.Helper()
		resp := f.call(f.c, http.MethodPut, collectionAPI+path, body)
		if resp.status != http.StatusOK && resp.status != http.StatusCreated {
			t.Fatalf("PUT %s: %d %s", path, resp.status, resp.body)
		}
	}
	put("people/1", `{"lastName":"Peeters","badgeNumber":"6767676"}`)
	put("absence-definitions/1", `{"name":{"default":"Doctor"}}`)
	clocking := `{"person":{"id":1},"date":"2025-03-17","timeOfDayInMinutes":%d,"kind":"InOut"}`
	for id := 1; id <= 3; id++ {
		put(fmt.Sprintf("clockings/%d", id), fmt.Sprintf(clocking, 470+id*10))
	}
	put("clockings/1", fmt.Sprintf(clocking, 485)) // corrected twice: originalTimeOfDayInMinutes appears
	put("clockings/1", fmt.Sprintf(clocking, 490))
	put("clockings/3", `{"person":{"id":1},"date":"2025-03-17","timeOfDayInMinutes":720,"kind":"Reason","reason":{"id":1},"isOpen":true}`)
	f.call(f.c, http.MethodDelete, collectionAPI+"clockings/2", "").wantStatus(t, http.StatusNoContent)

	for _, sink := range []*consumerSink{single, batched} {
		for id := int64(1); id <= 3; id++ {
			var want shiftwire.Clocking
			v := f.readObject(t, fmt.Sprintf("clockings/%d", id), &want)
			ev := sink.waitApplied(t, id, v)
			if !reflect.DeepEqual(ev.Object, &want) {
				t.Errorf("clocking %d: the event decoded to %+v, the API reads %+v", id, ev.Object, &want)
			}
		}
		last := map[int64]shiftwire.ChangeVersion{}
		count := map[int64]int{}
		for _, ev := range sink.events() {
			if ev.ChangeType != shiftwire.InsertOrUpdate || ev.ChangeVersion <= last[ev.ID] {
				t.Fatalf("%s %d at %s after %s", ev.ChangeType, ev.ID, ev.ChangeVersion, last[ev.ID])
			}
			last[ev.ID] = ev.ChangeVersion
			count[ev.ID]++
			again, err := json.Marshal(ev.Object)
			if err != nil {
				t.Fatal(err)
			}
			if string(shiftwire.WithChangeVersion(again, ev.ChangeVersion)) != string(ev.Data) {
				t.Errorf("clocking %d renders as\n%s\nnot as the event's data\n%s", ev.ID, again, ev.Data)
			}
		}
		if want := map[int64]int{1: 3, 2: 2, 3: 2}; !reflect.DeepEqual(count, want) {
			t.Errorf("events per clocking %v, want %v", count, want)
		}
	}
	// With external references, the event's data is what a read with the same references
	// shows, and the references are where that read has them.
	for id := int64(1); id <= 3; id++ {
		resp := f.call(f.c, http.MethodGet, fmt.Sprintf("%sclockings/%d?externalReferences=(people,@badge-number)", collectionAPI, id), "")
		resp.wantStatus(t, http.StatusOK)
		var read shiftwire.Clocking
		v := f.readObject(t, fmt.Sprintf("clockings/%d", id), &read)
		ev := withRefs.waitApplied(t, id, v)
		if string(ev.Data) != string(bytes.TrimSpace(resp.body)) || !reflect.DeepEqual(ev.Object, &read) {
			t.Errorf("clocking %d: the event's data\n%s\nthe read\n%s", id, ev.Data, resp.body)
		}
		if refs := ev.ExternalReferences(); !reflect.DeepEqual(refs, map[string]map[string]string{"person": {"@badge-number": "6767676"}}) {
			t.Errorf("clocking %d: external references %v", id, refs)
		}
	}

	var deleted shiftwire.Clocking
	f.readObject(t, "clockings/2", &deleted)
	if deleted.Status != shiftwire.ClockingDeleted {
		t.Fatalf("clocking 2 after DELETE: %+v", deleted)
	}

	// Replays of the server's own requests, signed by it: every change is older than or the
	// same as one applied, so each is answered 204 and none reaches Apply. The same request
	// with its body changed is rejected.
	applied := len(single.events())
	attempts := f.waitAttempts(t, hook.ID, applied)
	if len(attempts) != applied {
		t.Fatalf("%d attempts recorded, %d events applied", len(attempts), applied)
	}
	for _, a := range attempts {
		if a.Outcome != "Succeeded" || a.StatusCode != http.StatusNoContent {
			t.Fatalf("attempt %v: %s %d, want the handler's 204", a.ChangeVersions, a.Outcome, a.StatusCode)
		}
		if status := single.post(t, a.Request.Body, a.Request.Headers); status != http.StatusNoContent {
			t.Fatalf("replaying %v: %d, want 204", a.ChangeVersions, status)
		}
		tampered := bytes.Replace(a.Request.Body, []byte(`"date":"2025-03-17"`), []byte(`"date":"2025-03-18"`), 1)
		if status := single.post(t, tampered, a.Request.Headers); status != http.StatusUnauthorized {
			t.Fatalf("replaying %v with another date: %d, want 401", a.ChangeVersions, status)
		}
	}
	if n := len(single.events()); n != applied {
		t.Fatalf("replays applied %d more events", n-applied)
	}

	// A ping is answered without reaching Apply.
	var ping pingAttempt
	f.call(f.c, http.MethodPost, webhooksPath+"/"+hook.ID+"/ping", "").decodeLoose(t, &ping)
	if ping.Outcome != "Succeeded" || ping.StatusCode != http.StatusNoContent || len(single.events()) != applied {
		t.Fatalf("ping %+v, %d events applied", ping, len(single.events())-applied)
	}
}

// TestConsumerWrongKeyThenRetry gives a break-definitions webhook a handler holding another
// key: the server's requests are rejected with 401 and recorded so. With the right key and
// POST /webhooks/{id}/retry they are applied, and a DELETE arrives as a Delete without an
// object.
func TestConsumerWrongKeyThenRetry(t *testing.T) {
	fx := newFixture(t, "--allow-private-destinations", "--allow-insecure-destinations")
	f := consumerAPI{fx.testServer, fx.acme}
	sink := newConsumerSink(t, shiftwire.BreakDefinitions)
	hook := f.createWebhook(f.c, "", hookBody(sink.URL, shiftwire.BreakDefinitions))

	f.call(f.c, http.MethodPut, collectionAPI+"break-definitions/1", `{"name":{"default":"Lunch"},"minimumDurationInMinutes":30}`).wantStatus(t, http.StatusCreated)
	rejected := f.waitAttempts(t, hook.ID, 1)
	if a := rejected[len(rejected)-1]; a.StatusCode != http.StatusUnauthorized || a.Outcome != "Failed" {
		t.Fatalf("the attempt with the wrong key: %s %d, want Failed 401", a.Outcome, a.StatusCode)
	}
	if n := len(sink.events()); n != 0 {
		t.Fatalf("%d events applied with the wrong key", n)
	}

	if err := sink.handler.SetKeys(hook.Key); err != nil {
		t.Fatal(err)
	}
	f.call(f.c, http.MethodPost, webhooksPath+"/"+hook.ID+"/retry", "").wantStatus(t, http.StatusAccepted)
	var want shiftwire.BreakDefinition
	v := f.readObject(t, "break-definitions/1", &want)
	ev := sink.waitApplied(t, 1, v)
	if !reflect.DeepEqual(ev.Object, &want) {
		t.Fatalf("the break definition decoded to %+v, the API reads %+v", ev.Object, &want)
	}

	f.call(f.c, http.MethodDelete, collectionAPI+"break-definitions/1", "").wantStatus(t, http.StatusNoContent)
	waitFor(t, 20*time.Second, "the Delete event", func() bool { return len(sink.events()) == 2 })
	del := sink.events()[1]
	if del.ChangeType != shiftwire.Delete || del.ID != 1 || del.Object != nil || del.ChangeVersion <= ev.ChangeVersion {
		t.Fatalf("the delete arrived as %+v", del)
	}
}

// TestConsumerSeveralKeys checks every combination of the handler's keys and a request's
// signatures that a key rotation brings: it takes a real event the server sent, and signs it
// again with internal/signing, the server's signer, with the webhook's key and a new one.
func TestConsumerSeveralKeys(t *testing.T) {
	fx := newFixture(t, "--allow-private-destinations", "--allow-insecure-destinations")
	f := consumerAPI{fx.testServer, fx.acme}
	sink := newConsumerSink(t, shiftwire.People)
	hook := f.createWebhook(f.c, "", hookBody(sink.URL, shiftwire.People))
	if err := sink.handler.SetKeys(hook.Key); err != nil {
		t.Fatal(err)
	}
	f.call(f.c, http.MethodPut, collectionAPI+"people/1", `{"lastName":"Peeters"}`).wantStatus(t, http.StatusCreated)
	var person shiftwire.Person
	sink.waitApplied(t, 1, f.readObject(t, "people/1", &person))
	body := f.waitAttempts(t, hook.ID, 1)[0].Request.Body

	oldKey, err := signing.DecodeKey(hook.Key)
	if err != nil {
		t.Fatal(err)
	}
	newWhsec := newEncodedKey(t)
	newKey, _ := signing.DecodeKey(newWhsec)
	third := newEncodedKey(t)
	now := time.Now()
	n := 0
	send := func(keys ...[]byte) int {
		n++
		msgID := "msg_rotation_" + strconv.Itoa(n)
		var sig []byte
		for i, k := range keys {
			if i > 0 {
				sig = append(sig, ' ')
			}
			sig = signing.NewSigner(k).Sign(sig, msgID, now.Unix(), body)
		}
		return sink.post(t, body, map[string]string{
			signing.HeaderID: msgID, signing.HeaderTimestamp: strconv.FormatInt(now.Unix(), 10), signing.HeaderSignature: string(sig)})
	}
	for _, tc := range []struct {
		name   string
		keys   []string // the handler's
		signed [][]byte // the request's signatures, in order
		want   int
	}{
		{"overlap, the handler knows the old key", []string{hook.Key}, [][]byte{newKey, oldKey}, 204},
		{"overlap, the handler knows the new key", []string{newWhsec}, [][]byte{newKey, oldKey}, 204},
		{"overlap, the handler knows both", []string{hook.Key, newWhsec}, [][]byte{newKey, oldKey}, 204},
		{"after the overlap, the handler knows both", []string{hook.Key, newWhsec}, [][]byte{newKey}, 204},
		{"after the overlap, the handler knows the old key", []string{hook.Key}, [][]byte{newKey}, 401},
		{"neither key", []string{third}, [][]byte{newKey, oldKey}, 401},
	} {
		if err := sink.handler.SetKeys(tc.keys...); err != nil {
			t.Fatal(err)
		}
		if got := send(tc.signed...); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	// Each request carried a version already applied: verified, then skipped.
	if got := len(sink.events()); got != 1 {
		t.Fatalf("%d events applied, want the first alone", got)
	}
}

// TestExampleReceiver runs examples/receiver, built on the consumer package, as a child
// process against a real server: it prints the changes the server sends with their decoded
// objects, logs a request it rejects with the reason, and refuses to start without a key.
func TestExampleReceiver(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs examples/receiver; skipped in short mode")
	}
	bin := filepath.Join(t.TempDir(), "receiver")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/shiftwire/shiftwire/examples/receiver").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// Without a key, or with the documentation's placeholder, it says what to set.
	for key, want := range map[string]string{"": "WEBHOOK_KEY is not set", "whsec_...": "whsec_... is a placeholder"} {
		cmd := exec.Command(bin)
		cmd.Env = []string{"WEBHOOK_KEY=" + key}
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), want) {
			t.Errorf("WEBHOOK_KEY=%q: %v %q, want exit status 2 saying %q", key, err, out, want)
		}
	}

	fx := newFixture(t, "--allow-private-destinations", "--allow-insecure-destinations")
	f := consumerAPI{fx.testServer, fx.acme}
	// The webhook needs the receiver's address, and the receiver the webhook's key: take a
	// free port first.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	hook := f.createWebhook(f.c, "", hookBody("http://"+addr+"/hook", shiftwire.Clockings))
	cmd := exec.Command(bin, "-addr", addr)
	cmd.Env = []string{"WEBHOOK_KEY=" + hook.Key}
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	waitFor(t, 10*time.Second, "the receiver to listen", func() bool { return strings.Contains(stderr.String(), "listening on http://"+addr) })

	f.call(f.c, http.MethodPut, collectionAPI+"people/1", `{"lastName":"Peeters"}`).wantStatus(t, http.StatusCreated)
	f.call(f.c, http.MethodPut, collectionAPI+"clockings/1", `{"person":{"id":1},"date":"2025-03-17","timeOfDayInMinutes":480,"kind":"InOut"}`).wantStatus(t, http.StatusCreated)
	var want shiftwire.Clocking
	v := f.readObject(t, "clockings/1", &want)
	object, _ := json.Marshal(&want)
	line := fmt.Sprintf(" InsertOrUpdate clockings 1 at %s %s\n", v, object)
	waitFor(t, 20*time.Second, "the receiver to print the clocking", func() bool { return strings.Contains(stdout.String(), line) })

	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/hook", strings.NewReader(`{}`))
	req.Header.Set("webhook-id", "msg_forged")
	req.Header.Set("webhook-timestamp", strconv.FormatInt(time.Now().Unix(), 10))
	req.Header.Set("webhook-signature", "v1,Zm9yZ2Vk")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a forged request: %d", resp.StatusCode)
	}
	waitFor(t, 10*time.Second, "the rejection's log line", func() bool {
		return strings.Contains(stderr.String(), `msg="webhook request rejected" status=401 reason="signature: no signature matches a configured key`) &&
			strings.Contains(stderr.String(), "webhookId=msg_forged")
	})
	if strings.Contains(stderr.String()+stdout.String(), strings.TrimPrefix(hook.Key, "whsec_")) {
		t.Fatal("the receiver printed its key")
	}
}

// breakNames lists the names of the break definitions the sink applied, in order.
func (s *consumerSink) breakNames() []string {
	var names []string
	for _, ev := range s.events() {
		names = append(names, ev.Object.(*shiftwire.BreakDefinition).Name.Default)
	}
	return names
}

// waitCount waits until the sink applied n events.
func (s *consumerSink) waitCount(t *testing.T, n int) {
	t.Helper()
	waitFor(t, 20*time.Second, fmt.Sprintf("%d events applied", n), func() bool { return len(s.events()) >= n })
}

// TestConsumerRotateKey rotates a webhook's key with POST /webhooks/{id}/rotate-key while
// the consumer handler receives: during the overlap the handler passes requests knowing the
// old key, the new key or both; after it, only a handler knowing the new key does, and one
// holding the old key alone rejects them until it is given the new key.
func TestConsumerRotateKey(t *testing.T) {
	// The overlap is short so that the test clock, moved past it, stays within the handler's
	// 5 minutes of timestamp tolerance of the machine's clock, and long enough that the
	// clock's millisecond per reading never ends it early on a slow machine.
	f := newClockFixture(t, "--key-overlap", "2m")
	sink := newConsumerSink(t, shiftwire.BreakDefinitions)
	id, oldKey := f.createWebhook(t, sink.URL, "")
	if err := sink.handler.SetKeys(oldKey); err != nil {
		t.Fatal(err)
	}
	f.write(t, 1, 1)
	sink.waitCount(t, 1)

	resp := f.call(http.MethodPost, "webhooks/"+id+"/rotate-key", "")
	resp.wantStatus(t, http.StatusOK)
	var rotated struct{ Key string }
	unmarshal(t, resp, &rotated)
	newKey := rotated.Key

	for round, keys := range [][]string{{oldKey}, {newKey}, {newKey, oldKey}} {
		if err := sink.handler.SetKeys(keys...); err != nil {
			t.Fatal(err)
		}
		f.write(t, round+2, 1)
		sink.waitCount(t, round+2)
	}

	f.clock.Advance(2*time.Minute + time.Second)
	f.write(t, 5, 1)
	sink.waitCount(t, 5)
	if err := sink.handler.SetKeys(oldKey); err != nil {
		t.Fatal(err)
	}
	f.write(t, 6, 1)
	waitFor(t, 20*time.Second, "an attempt rejected with 401", func() bool {
		return len(f.attempts(t, id, "status-code eq 401")) > 0
	})
	if n := len(sink.events()); n != 5 {
		t.Fatalf("%d events applied with the old key after the overlap, want 5", n)
	}
	if err := sink.handler.SetKeys(newKey); err != nil {
		t.Fatal(err)
	}
	f.call(http.MethodPost, "webhooks/"+id+"/retry", "").wantStatus(t, http.StatusAccepted)
	sink.waitCount(t, 6)
	want := []string{"break 1 round 1", "break 1 round 2", "break 1 round 3", "break 1 round 4", "break 1 round 5", "break 1 round 6"}
	if got := sink.breakNames(); !reflect.DeepEqual(got, want) {
		t.Fatalf("applied %q, want %q", got, want)
	}
}

// TestConsumerSkipsResentAndRecovered sends a webhook's changes again with the server's own
// operations, POST /webhooks/{id}/deliveries/{deliveryId}/resend and POST
// /webhooks/{id}/recover: the handler acknowledges every one and applies none, since each
// is as old as or older than what it applied; a new change afterwards is applied.
func TestConsumerSkipsResentAndRecovered(t *testing.T) {
	f := newClockFixture(t)
	sink := newConsumerSink(t, shiftwire.BreakDefinitions)
	id, key := f.createWebhook(t, sink.URL, "")
	if err := sink.handler.SetKeys(key); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	since := f.clock.Now()
	f.clock.Advance(time.Minute)
	f.write(t, 1, 1, 2)
	sink.waitCount(t, 2)
	f.write(t, 2, 1)
	sink.waitCount(t, 3)

	// Resend the first change of object 1, older than its second.
	var first string
	waitFor(t, 20*time.Second, "3 recorded attempts", func() bool { return len(f.attempts(t, id, "")) == 3 })
	for _, a := range f.attempts(t, id, "") {
		if fmt.Sprint(a["changeVersions"]) == fmt.Sprintf("[%s]", sink.events()[0].ChangeVersion) {
			first = a["id"].(string)
		}
	}
	if first == "" {
		t.Fatal("no attempt of the first change")
	}
	f.call(http.MethodPost, "webhooks/"+id+"/deliveries/"+first+"/resend", "").wantStatus(t, http.StatusAccepted)
	resp := f.call(http.MethodPost, "webhooks/"+id+"/recover", `{"since":"`+since.Format(time.RFC3339Nano)+`"}`)
	resp.wantStatus(t, http.StatusAccepted)
	if body := strings.TrimSpace(string(resp.body)); body != `{"recovered":3}` {
		t.Fatalf("recover answered %s", body)
	}
	waitFor(t, 20*time.Second, "the 4 requests sent again", func() bool { return len(f.attempts(t, id, "")) >= 7 })
	for _, a := range f.attempts(t, id, "") {
		if a["outcome"] != "Succeeded" || a["statusCode"] != float64(http.StatusNoContent) {
			t.Fatalf("attempt %v: %v %v, want the handler's 204", a["changeVersions"], a["outcome"], a["statusCode"])
		}
	}
	if n := len(sink.events()); n != 3 {
		t.Fatalf("changes sent again were applied: %q", sink.breakNames())
	}

	f.write(t, 3, 2)
	sink.waitCount(t, 4)
	// Objects 1 and 2 may arrive in either order; each one's changes in theirs.
	perObject := map[int64][]string{}
	for _, ev := range sink.events() {
		perObject[ev.ID] = append(perObject[ev.ID], ev.Object.(*shiftwire.BreakDefinition).Name.Default)
	}
	want := map[int64][]string{1: {"break 1 round 1", "break 1 round 2"}, 2: {"break 2 round 1", "break 2 round 3"}}
	if !reflect.DeepEqual(perObject, want) {
		t.Fatalf("applied %v, want %v", perObject, want)
	}
}

// setFail makes Apply answer err, or apply again when err is nil.
func (s *consumerSink) setFail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = err
}

// waitTries waits until Apply was called n times.
func (s *consumerSink) waitTries(t *testing.T, n int) {
	t.Helper()
	waitFor(t, 20*time.Second, fmt.Sprintf("%d calls of Apply", n), func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.tries >= n
	})
}

// waitNotice waits until the sink received n lifecycle notices and returns the last.
func (s *consumerSink) waitNotice(t *testing.T, n int) consumer.Notice {
	t.Helper()
	var last consumer.Notice
	waitFor(t, 20*time.Second, fmt.Sprintf("%d lifecycle notices", n), func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(s.notices) < n {
			return false
		}
		last = s.notices[n-1]
		return true
	})
	return last
}

// TestConsumerLifecycleNotices gives a webhook one handler as its destination and its
// lifecycleNotificationUrl. Apply fails four times in a row (each retry made due at once
// with POST /retry): the handler receives DeliveryFailing; Apply succeeds: DeliveryRecovered;
// Apply answers 410 through consumer.Status: the webhook is disabled, and Disabled (Gone)
// arrives.
func TestConsumerLifecycleNotices(t *testing.T) {
	fx := newFixture(t, "--allow-private-destinations", "--allow-insecure-destinations")
	f := consumerAPI{fx.testServer, fx.acme}
	sink := newConsumerSink(t, shiftwire.People)
	body := fmt.Sprintf(`{"destinationUrl":%q,"collectionName":"people","lifecycleNotificationUrl":%q}`, sink.URL+"/events", sink.URL+"/lifecycle")
	resp := f.call(f.c, http.MethodPost, webhooksPath, body)
	resp.wantStatus(t, http.StatusCreated)
	var hook struct{ ID, Key string }
	unmarshal(t, resp, &hook)
	if err := sink.handler.SetKeys(hook.Key); err != nil {
		t.Fatal(err)
	}

	sink.setFail(errors.New("the consumer's database is down"))
	f.call(f.c, http.MethodPut, collectionAPI+"people/1", `{"lastName":"Peeters"}`).wantStatus(t, http.StatusCreated)
	for try := 1; try <= 4; try++ {
		sink.waitTries(t, try)
		if try < 4 {
			// The failure's attempt is recorded in the transaction that schedules its retry:
			// once it shows, retry finds the delivery waiting.
			waitFor(t, 20*time.Second, "the failure to be written", func() bool {
				return len(f.attemptsWhere(t, hook.ID, "outcome eq 'Failed'")) >= try
			})
			f.call(f.c, http.MethodPost, webhooksPath+"/"+hook.ID+"/retry", "").wantStatus(t, http.StatusAccepted)
		}
	}
	n := sink.waitNotice(t, 1)
	if n.LifecycleEvent != shiftwire.DeliveryFailing || n.Webhook.ID != hook.ID || n.Webhook.Status != shiftwire.WebhookEnabled ||
		n.Webhook.CollectionName != shiftwire.People || n.Webhook.DestinationURL != sink.URL+"/events" || n.OccurredAt.IsZero() || n.MessageID == "" {
		t.Fatalf("the first notice: %+v", n)
	}

	sink.setFail(nil)
	f.call(f.c, http.MethodPost, webhooksPath+"/"+hook.ID+"/retry", "").wantStatus(t, http.StatusAccepted)
	if n := sink.waitNotice(t, 2); n.LifecycleEvent != shiftwire.DeliveryRecovered {
		t.Fatalf("the second notice: %+v", n)
	}
	if got := sink.events(); len(got) != 1 || got[0].Object.(*shiftwire.Person).LastName != "Peeters" {
		t.Fatalf("applied %+v", got)
	}

	sink.setFail(consumer.Status(http.StatusGone, errors.New("this integration is switched off")))
	f.call(f.c, http.MethodPut, collectionAPI+"people/1", `{"lastName":"Janssens"}`).wantStatus(t, http.StatusOK)
	n = sink.waitNotice(t, 3)
	if n.LifecycleEvent != shiftwire.WebhookDisabledNotice || n.Webhook.Status != shiftwire.WebhookDisabled || n.Webhook.DisabledReason != shiftwire.DisabledGone {
		t.Fatalf("the third notice: %+v", n)
	}
	var read struct{ Status, DisabledReason string }
	f.call(f.c, http.MethodGet, webhooksPath+"/"+hook.ID, "").decodeLoose(t, &read)
	if read.Status != "Disabled" || read.DisabledReason != "Gone" {
		t.Fatalf("after 410 the webhook reads %+v", read)
	}
}

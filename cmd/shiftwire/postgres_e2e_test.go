package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shiftwire/shiftwire"
)

// TestPostgresTwoInstances runs two real serve processes on one PostgreSQL database and
// commits changes through both: every change reaches every subscriber once, whichever
// instance sends it. Then it kills one instance with SIGKILL while deliveries are flowing
// and checks that the other finishes all the work, the dead one's leased deliveries too
// once their lease ran out, with duplicates only for what was in flight at the kill.
func TestPostgresTwoInstances(t *testing.T) {
	dbURL := pgTestSchema(t)
	if testing.Short() {
		t.Skip("builds the binary and delivers 40,000 events")
	}
	start := time.Now()
	bin := pgBuild(t)
	masterKey := make([]byte, 32)
	rand.Read(masterKey)
	store := []string{"--database-url", dbURL, "--master-key", base64.StdEncoding.EncodeToString(masterKey)}

	pgRunCommand(t, bin, append([]string{"tenants", "create", "acme"}, store...)...)
	scopes := strings.Join([]string{shiftwire.ScopeWebhooksRead, shiftwire.ScopeWebhooksWrite,
		shiftwire.ReadScope(shiftwire.BreakDefinitions), shiftwire.WriteScope(shiftwire.BreakDefinitions)}, " ")
	var client struct{ ClientID, ClientSecret string }
	out := pgRunCommand(t, bin, append([]string{"clients", "create", "--tenant", "acme", "--scope", scopes}, store...)...)
	if err := json.Unmarshal(out, &client); err != nil {
		t.Fatalf("clients create printed %q: %v", out, err)
	}

	const (
		timeout     = time.Second
		lease       = 3 * time.Second
		concurrency = 8
	)
	serve := append([]string{"--default-tenant", "acme", "--allow-private-destinations", "--allow-insecure-destinations",
		"--delivery-timeout", timeout.String(), "--delivery-lease", lease.String(),
		"--delivery-concurrency", strconv.Itoa(concurrency)}, store...)
	a := pgStartServe(t, "A", bin, serve...)
	b := pgStartServe(t, "B", bin, serve...)
	// Tokens are signed with a key derived from the shared master key: a token of one
	// instance is good on the other.
	token := a.token(t, client.ClientID, client.ClientSecret)

	// One webhook created through each instance, each with a path of its own.
	recv := newPGReceiver(t)
	hooks := []string{"a", "b"}
	a.createWebhook(t, token, recv.url+"/a")
	b.createWebhook(t, token, recv.url+"/b")

	// Phase 1: 10,000 changes, committed through both instances at once: 5,000 break
	// definitions, each written twice, so that two changes of one object are often queued
	// together and must arrive in order.
	phase1 := time.Now()
	versions := pgCommit(t, []*pgInstance{a, b}, token, 1, 5000, 2)
	recv.waitFor(t, hooks, versions, 2*time.Minute)
	if d := recv.duplicates(); len(d) > 0 {
		t.Fatalf("phase 1: %d events were sent twice, e.g. %s", len(d), d[0])
	}
	sentA, sentB := a.succeeded(t), b.succeeded(t)
	t.Logf("phase 1: %d changes to 2 webhooks delivered in %v, no duplicates; instance A sent %d, B sent %d",
		len(versions), time.Since(phase1).Round(time.Millisecond), sentA, sentB)
	if sentA == 0 || sentB == 0 {
		t.Errorf("one instance did all the work (A %d, B %d): they do not share it", sentA, sentB)
	}

	// Phase 2: another 10,000 changes, received more slowly, and B killed while they flow.
	recv.setDelay(2 * time.Millisecond)
	phase2 := time.Now()
	more := pgCommit(t, []*pgInstance{a, b}, token, 1, 5000, 2)
	recv.waitCount(t, len(hooks)*(len(versions)+len(more)/4), time.Minute)
	killedAt := time.Now()
	b.kill(t)
	all := append(versions, more...)
	recv.waitFor(t, hooks, all, 2*time.Minute)
	finished := time.Now()
	dups := recv.duplicates()
	t.Logf("phase 2: %d more changes delivered in %v, B killed after %v; %d duplicates; takeover done %v after the kill",
		len(more), finished.Sub(phase2).Round(time.Millisecond), killedAt.Sub(phase2).Round(time.Millisecond),
		len(dups), finished.Sub(killedAt).Round(time.Millisecond))
	// An engine has at most twice its concurrency per webhook sent and not written, so that is
	// all B can have left to send again.
	if maxDups := len(hooks) * 2 * concurrency; len(dups) > maxDups {
		t.Errorf("%d events were sent twice, more than the %d B could have had in flight", len(dups), maxDups)
	}
	for _, d := range dups {
		// B claimed the event at most one timeout before sending it, and A may send it again
		// only once B's lease ran out.
		first, again := recv.receipts(d)
		if first.After(killedAt.Add(time.Second)) {
			t.Errorf("%s was first received %v after the kill: not an attempt in flight at the kill", d, first.Sub(killedAt))
		}
		if again.Sub(first) < lease-timeout {
			t.Errorf("%s was sent again %v after the first time, before B's lease ran out", d, again.Sub(first))
		}
	}
	t.Logf("total %v", time.Since(start).Round(time.Millisecond))
}

// pgTestSchema creates a schema of its own on TEST_DATABASE_URL, dropped when the test
// ends, and returns the URL with its search_path set to it: a fresh database for the test.
func pgTestSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		t.Skip("TEST_DATABASE_URL is not set; set it to a PostgreSQL URL to run the PostgreSQL tests")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	exec := func(sql string) error {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(context.Background(), sql)
		return err
	}
	if err := exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if err := exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal("TEST_DATABASE_URL is not a URL")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// pgBuild builds the shiftwire binary into the test's temporary directory.
func pgBuild(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "shiftwire")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// pgRunCommand runs an admin command of the binary and returns its stdout.
func pgRunCommand(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("shiftwire %s: %v\n%s", args[0], err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// pgInstance is one shiftwire serve process.
type pgInstance struct {
	name   string
	addr   string
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	http   *http.Client
}

// pgStartServe starts bin serve on a free loopback port and waits for its address.
func pgStartServe(t *testing.T, name, bin string, args ...string) *pgInstance {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &pgInstance{name: name, cmd: cmd, stderr: &bytes.Buffer{}, http: &http.Client{Timeout: time.Minute, Transport: checkedTransport(t)}}
	cmd.Stderr = &lockedWriter{w: p.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		}
	})
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			first <- sc.Text()
		}
		close(first)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-first:
		addr, ok := listeningAddr(line)
		if !ok {
			t.Fatalf("first line of serve %s: %q", p.name, line)
		}
		p.addr = addr
	case <-time.After(30 * time.Second):
		t.Fatalf("serve %s printed no address", p.name)
	}
	return p
}

// lockedWriter serializes writes from the process's output copier and reads by the test.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// kill ends the instance with SIGKILL: no shutdown, no outcome written.
func (p *pgInstance) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
}

// do sends a request to the instance and returns the status and body.
func (p *pgInstance) do(t *testing.T, method, path, token, contentType string, body io.Reader) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+p.addr+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "shiftwire-postgres-test")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := p.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s on %s: %v", method, path, p.name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// token gets an access token with the client's scopes.
func (p *pgInstance) token(t *testing.T, clientID, secret string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}
	status, body := p.do(t, http.MethodPost, "/tenants/acme/connect/token", "", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &out); status != http.StatusOK || err != nil || out.AccessToken == "" {
		t.Fatalf("token from %s: %d %s", p.name, status, body)
	}
	return out.AccessToken
}

// createWebhook subscribes dest to break definitions through the instance.
func (p *pgInstance) createWebhook(t *testing.T, token, dest string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"destinationUrl": dest, "collectionName": shiftwire.BreakDefinitions})
	status, out := p.do(t, http.MethodPost, "/connector/protimeapi/api/v1/webhooks", token, "application/json", bytes.NewReader(body))
	if status != http.StatusCreated {
		t.Fatalf("POST /webhooks on %s: %d %s", p.name, status, out)
	}
}

// succeeded reads the instance's count of successful delivery attempts from /metrics.
func (p *pgInstance) succeeded(t *testing.T) int {
	t.Helper()
	status, body := p.do(t, http.MethodGet, "/metrics", "", "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /metrics on %s: %d", p.name, status)
	}
	m := regexp.MustCompile(`(?m)^shiftwire_delivery_attempts_total\{outcome="Succeeded"\} (\S+)$`).FindSubmatch(body)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseFloat(string(m[1]), 64)
	return int(n)
}

// pgCommit writes objects first..last of break-definitions times times each through
// POST /changes, in requests of 500 lines spread over the instances and sent from one
// goroutine per instance, and returns the versions committed.
func pgCommit(t *testing.T, instances []*pgInstance, token string, first, last, times int) []shiftwire.ChangeVersion {
	t.Helper()
	const perRequest = 500
	var bodies [][]byte
	for round := range times {
		var buf bytes.Buffer
		for id := first; id <= last; id++ {
			fmt.Fprintf(&buf, `{"collection":"break-definitions","changeType":"InsertOrUpdate","data":{"id":%d,"name":{"default":"Break %d.%d"},"minimumDurationInMinutes":15}}`+"\n", id, id, round)
			if (id-first+1)%perRequest == 0 || id == last {
				bodies = append(bodies, bytes.Clone(buf.Bytes()))
				buf.Reset()
			}
		}
	}
	var (
		mu       sync.Mutex
		versions []shiftwire.ChangeVersion
		wg       sync.WaitGroup
		errs     = make(chan string, len(bodies))
	)
	work := make(chan []byte, len(bodies))
	for _, b := range bodies {
		work <- b
	}
	close(work)
	for _, p := range instances {
		wg.Go(func() {
			for body := range work {
				status, out := p.do(t, http.MethodPost, "/connector/protimeapi/api/v1/changes", token, "application/x-ndjson", bytes.NewReader(body))
				if status != http.StatusOK {
					errs <- fmt.Sprintf("POST /changes on %s: %d %s", p.name, status, out)
					return
				}
				var res struct {
					Changes                               int
					FirstChangeVersion, LastChangeVersion shiftwire.ChangeVersion
				}
				if err := json.Unmarshal(out, &res); err != nil {
					errs <- fmt.Sprintf("POST /changes on %s: %s: %v", p.name, out, err)
					return
				}
				mu.Lock()
				for v := res.FirstChangeVersion; v <= res.LastChangeVersion && res.Changes > 0; v++ {
					versions = append(versions, v)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if want := (last - first + 1) * times; len(versions) != want {
		t.Fatalf("%d changes committed, want %d", len(versions), want)
	}
	return versions
}

// pgReceiver is a loopback destination that records every event it receives, per webhook
// path, and checks that each object's changes arrive in version order.
type pgReceiver struct {
	url string

	mu       sync.Mutex
	delay    time.Duration
	seen     map[string][]time.Time             // receipts per event: webhook path and version
	last     map[string]shiftwire.ChangeVersion // the newest version per path and object
	problems []string
	total    int
}

func newPGReceiver(t *testing.T) *pgReceiver {
	r := &pgReceiver{seen: map[string][]time.Time{}, last: map[string]shiftwire.ChangeVersion{}}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

func (r *pgReceiver) serve(w http.ResponseWriter, req *http.Request) {
	var event struct {
		Data struct {
			ID            int64                   `json:"id"`
			ChangeVersion shiftwire.ChangeVersion `json:"changeVersion"`
		} `json:"data"`
	}
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	delay := r.delay
	r.mu.Unlock()
	time.Sleep(delay)
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := json.Unmarshal(body, &event); err != nil {
		r.problems = append(r.problems, fmt.Sprintf("%s: bad body %q", req.URL.Path, body))
		return
	}
	if req.Header.Get("Webhook-Id") == "" || req.Header.Get("Webhook-Signature") == "" {
		r.problems = append(r.problems, req.URL.Path+": an event without its Standard Webhooks headers")
	}
	id := pgEventKey(strings.TrimPrefix(req.URL.Path, "/"), event.Data.ChangeVersion)
	r.seen[id] = append(r.seen[id], now)
	r.total++
	lane := fmt.Sprintf("%s/%d", req.URL.Path, event.Data.ID)
	if v := event.Data.ChangeVersion; v < r.last[lane] {
		r.problems = append(r.problems, fmt.Sprintf("%s: version %s after %s", lane, v, r.last[lane]))
	} else {
		r.last[lane] = v
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *pgReceiver) setDelay(d time.Duration) {
	r.mu.Lock()
	r.delay = d
	r.mu.Unlock()
}

// waitCount waits until n requests have arrived in all.
func (r *pgReceiver) waitCount(t *testing.T, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		r.mu.Lock()
		total := r.total
		r.mu.Unlock()
		if total >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events received after %v, want %d", total, timeout, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitFor waits until every webhook received every version, and fails on any problem seen.
func (r *pgReceiver) waitFor(t *testing.T, hooks []string, versions []shiftwire.ChangeVersion, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		missing := 0
		example := ""
		r.mu.Lock()
		problems := append([]string(nil), r.problems...)
		for _, h := range hooks {
			for _, v := range versions {
				if id := pgEventKey(h, v); len(r.seen[id]) == 0 {
					missing++
					example = id
				}
			}
		}
		r.mu.Unlock()
		for _, p := range problems[:min(len(problems), 5)] {
			t.Error(p)
		}
		if len(problems) > 0 {
			t.FailNow()
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events not received after %v, e.g. %s", missing, timeout, example)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pgEventKey names one event: the webhook's path and the change's version.
func pgEventKey(hook string, v shiftwire.ChangeVersion) string { return hook + "/" + v.String() }

// duplicates returns the events received more than once.
func (r *pgReceiver) duplicates() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for id, times := range r.seen {
		if len(times) > 1 {
			out = append(out, id)
		}
	}
	return out
}

// receipts returns the first and last time an event was received.
func (r *pgReceiver) receipts(id string) (first, last time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	times := r.seen[id]
	return times[0], times[len(times)-1]
}

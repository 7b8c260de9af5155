package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/shiftwire/shiftwire"
)

// demoClient is the client a --dev server creates.
var demoClient = testClient{Tenant: devTenant, ClientID: devClientID, ClientSecret: devClientSecret}

// child is a client command (listen, simulate) running as a child process, with its output
// collected line by line.
type child struct {
	t      *testing.T
	cmd    *exec.Cmd
	stderr *syncBuffer
	lines  chan string // stdout
	done   chan error

	mu  sync.Mutex
	out []string
}

// startChild runs bin with args; the process is killed when the test ends if it still runs.
func startChild(t *testing.T, bin string, args ...string) *child {
	t.Helper()
	c := &child{t: t, cmd: exec.Command(bin, args...), stderr: &syncBuffer{}, lines: make(chan string, 1000), done: make(chan error, 1)}
	c.cmd.Env = []string{} // no SHIFTWIRE_* of the machine
	c.cmd.Stderr = c.stderr
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.mu.Lock()
			c.out = append(c.out, sc.Text())
			c.mu.Unlock()
		}
		c.done <- c.cmd.Wait()
	}()
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			c.cmd.Process.Kill()
			<-c.done
		}
	})
	return c
}

// stdout returns the lines printed so far.
func (c *child) stdout() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.out...)
}

// wait waits, for at most limit, for the process to exit and returns its exit status.
func (c *child) wait(limit time.Duration) int {
	c.t.Helper()
	select {
	case <-c.done:
		return c.cmd.ProcessState.ExitCode()
	case <-time.After(limit):
		c.cmd.Process.Kill()
		c.t.Fatalf("%s did not exit within %v\nstderr:\n%s", c.cmd.Args[1], limit, c.stderr)
		return -1
	}
}

// forwardTarget is the receiver behind listen's --forward-to: it records every request and
// answers status.
type forwardTarget struct {
	*httptest.Server
	mu       sync.Mutex
	requests []forwarded
	status   int
}

type forwarded struct {
	header http.Header
	body   []byte
}

func newForwardTarget(t *testing.T, status int) *forwardTarget {
	f := &forwardTarget{status: status}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, forwarded{r.Header.Clone(), body})
		status := f.status
		f.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(f.Close)
	return f
}

// listedWebhook is a webhook as GET /webhooks shows it.
type listedWebhook struct {
	ID, Status, DisabledReason, CollectionName, DestinationURL string
}

// webhooksOf lists every webhook of c's tenant.
func webhooksOf(t *testing.T, s *testServer, c testClient) map[string]listedWebhook {
	t.Helper()
	resp := s.do(apiRequest{method: http.MethodGet, path: "/connector/protimeapi/api/v1/webhooks", host: hostOf(c), token: s.token(c)})
	resp.wantStatus(t, http.StatusOK)
	var page struct{ Value []listedWebhook }
	if err := json.Unmarshal(resp.body, &page); err != nil {
		t.Fatal(err)
	}
	out := map[string]listedWebhook{}
	for _, w := range page.Value {
		out[w.ID] = w
	}
	return out
}

// TestClientCommandsAsProcesses runs the built binary: -h exits 0, listen prints, verifies
// and forwards events and deletes its webhooks on SIGINT, and simulate writes a day through
// the API.
func TestClientCommandsAsProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real processes; skipped in short mode")
	}
	bin := buildBinary(t)
	s := startServer(t, tempDB(t), "--dev")
	server := "http://" + s.addr

	t.Run("help exits 0", func(t *testing.T) {
		for _, args := range [][]string{{"listen", "-h"}, {"simulate", "--help"}, {"serve", "-h"}, {"clients", "delete", "-h"}} {
			c := startChild(t, bin, args...)
			if code := c.wait(20 * time.Second); code != 0 {
				t.Errorf("%q exited %d, want 0\n%s", args, code, c.stderr)
			}
			if out := strings.Join(c.stdout(), "\n"); !strings.Contains(out, "Usage: shiftwire") {
				t.Errorf("%q printed no usage on stdout:\n%s", args, out)
			}
			if c.stderr.String() != "" {
				t.Errorf("%q wrote to stderr, want help on stdout only:\n%s", args, c.stderr)
			}
		}
		c := startChild(t, bin, "listen", "--collection", "nothing")
		if code := c.wait(20 * time.Second); code != 2 || !strings.Contains(c.stderr.String(), `"nothing": not a collection`) {
			t.Errorf("listen --collection nothing exited %d:\n%s", code, c.stderr)
		}
	})

	t.Run("listen", func(t *testing.T) { testListen(t, bin, s, server) })
	t.Run("simulate", func(t *testing.T) { testSimulate(t, bin, s, server) })
}

func testListen(t *testing.T, bin string, s *testServer, server string) {
	target := newForwardTarget(t, http.StatusAccepted)
	c := startChild(t, bin, "listen", "--server", server, "--collection", "break-definitions absence-groups", "--forward-to", target.URL+"/hook")
	waitFor(t, 30*time.Second, "listen to subscribe", func() bool { return strings.Contains(c.stderr.String(), "listening on") })

	// It names each webhook and the key that verifies what it forwards.
	keyLine := regexp.MustCompile(`webhook ([0-9a-f-]{36}) on ([a-z-]+), signing key (whsec_\S+)`)
	keys := map[string]string{}
	ids := map[string]string{}
	for _, m := range keyLine.FindAllStringSubmatch(c.stderr.String(), -1) {
		ids[m[2]], keys[m[2]] = m[1], m[3]
	}
	if len(keys) != 2 || keys["break-definitions"] == "" || keys["absence-groups"] == "" {
		t.Fatalf("listen named webhooks %v:\n%s", ids, c.stderr)
	}
	hooks := webhooksOf(t, s, demoClient)
	for collection, id := range ids {
		if w := hooks[id]; w.Status != "Enabled" || w.CollectionName != collection || !strings.HasPrefix(w.DestinationURL, "http://127.0.0.1:") {
			t.Fatalf("webhook %s is %+v", id, w)
		}
	}

	// A change made through the API arrives, verified, as one readable line with the
	// forward's answer.
	resp := s.call(demoClient, http.MethodPost, "/connector/protimeapi/api/v1/break-definitions", `{"name":{"default":"Listen test","translations":{}},"minimumDurationInMinutes":10}`)
	resp.wantStatus(t, http.StatusCreated)
	var created struct {
		ID            int64  `json:"id"`
		ChangeVersion string `json:"changeVersion"`
	}
	json.Unmarshal(resp.body, &created)
	want := regexp.MustCompile(`^\d\d:\d\d:\d\d  break-definitions  InsertOrUpdate  id=` + strconv.FormatInt(created.ID, 10) +
		`  changeVersion=` + created.ChangeVersion + `  -> 202 Accepted$`)
	waitFor(t, 20*time.Second, "the event's line", func() bool {
		for _, l := range c.stdout() {
			if want.MatchString(l) {
				return true
			}
		}
		return false
	})

	// The forwarded request is the server's, unchanged: its signature verifies with the
	// webhook's key, and the server recorded the forward's 202 as the attempt's answer.
	target.mu.Lock()
	reqs := append([]forwarded(nil), target.requests...)
	target.mu.Unlock()
	if len(reqs) != 1 {
		t.Fatalf("%d requests forwarded, want 1", len(reqs))
	}
	verifier, err := standardwebhooks.NewWebhook(keys["break-definitions"])
	if err != nil {
		t.Fatal(err)
	}
	if err := verifier.Verify(reqs[0].body, reqs[0].header); err != nil {
		t.Fatalf("the forwarded request does not verify with the webhook's key: %v", err)
	}
	if !strings.HasPrefix(reqs[0].header.Get("webhook-id"), "msg_"+strings.ReplaceAll(ids["break-definitions"], "-", "")+"_") {
		t.Errorf("forwarded webhook-id %q", reqs[0].header.Get("webhook-id"))
	}
	// The attempt's outcome is written just after the answer.
	waitFor(t, 10*time.Second, "the attempt recorded with the forward's 202", func() bool {
		deliveries := s.call(demoClient, http.MethodGet, "/connector/protimeapi/api/v1/webhooks/"+ids["break-definitions"]+"/deliveries", "")
		return deliveries.status == http.StatusOK && strings.Contains(string(deliveries.body), `"statusCode":202`)
	})

	// The receiver behind listen failing is what the server sees: listen answers with the
	// forward's status.
	target.mu.Lock()
	target.status = http.StatusInternalServerError
	target.mu.Unlock()
	s.call(demoClient, http.MethodPut, "/connector/protimeapi/api/v1/absence-groups/1", `{"name":{"default":"Sick","translations":{}},"type":"Absence"}`).wantStatus(t, http.StatusOK)
	waitFor(t, 20*time.Second, "the failed forward's line", func() bool {
		return strings.Contains(strings.Join(c.stdout(), "\n"), "  absence-groups  InsertOrUpdate  id=1  ")
	})
	for _, l := range c.stdout() {
		if strings.Contains(l, "absence-groups") && !strings.HasSuffix(l, "-> 500 Internal Server Error") {
			t.Errorf("line %q, want the forward's 500", l)
		}
	}
	waitFor(t, 10*time.Second, "the attempt recorded with the forward's 500", func() bool {
		deliveries := s.call(demoClient, http.MethodGet, "/connector/protimeapi/api/v1/webhooks/"+ids["absence-groups"]+"/deliveries", "")
		return deliveries.status == http.StatusOK && strings.Contains(string(deliveries.body), `"statusCode":500`)
	})

	// Ctrl-C: listen deletes its webhooks and exits 0.
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := c.wait(30 * time.Second); code != 0 {
		t.Fatalf("listen exited %d after SIGINT\n%s", code, c.stderr)
	}
	hooks = webhooksOf(t, s, demoClient)
	for collection, id := range ids {
		if w := hooks[id]; w.Status != "Disabled" || w.DisabledReason != "Deleted" {
			t.Errorf("after listen exited, its webhook on %s is %+v, want deleted", collection, w)
		}
		if !strings.Contains(c.stderr.String(), "deleted webhook "+id) {
			t.Errorf("listen did not say it deleted %s:\n%s", id, c.stderr)
		}
	}
	if strings.Contains(strings.Join(c.stdout(), "\n"), "whsec_") {
		t.Error("listen printed a key among the events")
	}
}

// TestListenJSONAndFailureHalfWay runs listen in-process on a server without --dev, as a
// client whose scopes allow only the first of two collections: the second subscription
// fails, and listen deletes the first before it returns. Then, with --json, an event prints
// as the JSON it arrived in.
func TestListenJSONAndFailureHalfWay(t *testing.T) {
	db := tempDB(t)
	createTenant(t, db, "acme", "")
	limited := addClient(t, db, "acme", shiftwire.ScopeWebhooksRead, shiftwire.ScopeWebhooksWrite, shiftwire.ReadScope(shiftwire.BreakDefinitions),
		shiftwire.WriteScope(shiftwire.BreakDefinitions))
	s := startServer(t, db, "--allow-private-destinations", "--allow-insecure-destinations")
	flags := []string{"listen", "--server", "http://" + s.addr, "--tenant", "acme", "--client-id", limited.ClientID}
	e := env{"SHIFTWIRE_CLIENT_SECRET": limited.ClientSecret}

	var stdout, stderr syncBuffer
	err := run(t.Context(), append(flags, "--collection", "break-definitions", "--collection", "contracts"), e.getenv, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "subscribing to contracts") || !strings.Contains(err.Error(), "401") {
		t.Fatalf("listen with a collection it may not read: %v\n%s", err, stderr.String())
	}
	hooks := webhooksOf(t, s, limited)
	if len(hooks) != 1 {
		t.Fatalf("%d webhooks, want the one listen made before it failed", len(hooks))
	}
	for _, w := range hooks {
		if w.Status != "Disabled" || w.DisabledReason != "Deleted" || w.CollectionName != shiftwire.BreakDefinitions {
			t.Fatalf("the webhook listen made before failing is %+v, want deleted", w)
		}
	}
	// Neither the client secret nor an access token (a JWT, "eyJ...") is ever printed.
	if out := stdout.String() + stderr.String() + err.Error(); strings.Contains(out, limited.ClientSecret) || strings.Contains(out, "eyJ") {
		t.Errorf("listen printed a secret or a token:\n%s", out)
	}

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	stdout, stderr = syncBuffer{}, syncBuffer{}
	// The receiver on a port of our choosing, announced to the server by another name.
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(free.Addr().(*net.TCPAddr).Port)
	free.Close()
	go func() {
		done <- run(ctx, append(flags, "--collection", "break-definitions", "--json", "--receiver-addr", "127.0.0.1:"+port, "--receiver-url", "http://localhost:"+port+"/"),
			e.getenv, &stdout, &stderr)
	}()
	waitFor(t, 20*time.Second, "listen to subscribe", func() bool { return strings.Contains(stderr.String(), "listening on") })
	for _, w := range webhooksOf(t, s, limited) {
		if w.Status == "Enabled" && w.DestinationURL != "http://localhost:"+port+"/break-definitions" {
			t.Errorf("--receiver-url: the webhook points at %s", w.DestinationURL)
		}
	}
	s.call(limited, http.MethodPut, "/connector/protimeapi/api/v1/break-definitions/7", `{"name":{"default":"Seven","translations":{}},"minimumDurationInMinutes":5}`).wantStatus(t, http.StatusCreated)
	var ev struct {
		ChangeType string
		Data       struct {
			ID            int64
			ChangeVersion string
			Name          struct{ Default string }
		}
	}
	waitFor(t, 20*time.Second, "the event as JSON", func() bool { return strings.Contains(stdout.String(), "\n") })
	line, _, _ := strings.Cut(stdout.String(), "\n")
	if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.ChangeType != "InsertOrUpdate" || ev.Data.ID != 7 || ev.Data.Name.Default != "Seven" || ev.Data.ChangeVersion == "" {
		t.Fatalf("--json printed %q (%v)", line, err)
	}
	// A request that does not verify is refused and reported, never printed as an event.
	receiver := regexp.MustCompile(`listening on (http://localhost:\d+)`).FindStringSubmatch(stderr.String())
	if receiver == nil {
		t.Fatalf("listen did not name its receiver:\n%s", stderr.String())
	}
	forged, _ := http.NewRequest(http.MethodPost, receiver[1]+"/break-definitions", strings.NewReader(`{"changeType":"Delete","data":{"id":7,"changeVersion":"00000000000000000FFF"}}`))
	forged.Header.Set("webhook-id", "msg_forged")
	forged.Header.Set("webhook-timestamp", strconv.FormatInt(time.Now().Unix(), 10))
	forged.Header.Set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString(make([]byte, 32)))
	answer, err := http.DefaultClient.Do(forged)
	if err != nil {
		t.Fatal(err)
	}
	answer.Body.Close()
	if answer.StatusCode != http.StatusUnauthorized {
		t.Errorf("a forged request was answered %d, want 401", answer.StatusCode)
	}
	if strings.Count(stdout.String(), "\n") != 1 || strings.Contains(stdout.String(), "FFF") {
		t.Errorf("the forged event was printed:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "rejected a request for break-definitions: the signature does not verify") {
		t.Errorf("the forged request was not reported:\n%s", stderr.String())
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("listen returned %v after cancel", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("listen did not return after cancel")
	}
	for _, w := range webhooksOf(t, s, limited) {
		if w.Status != "Disabled" {
			t.Errorf("webhook %s still %s after listen returned", w.ID, w.Status)
		}
	}
}

func testSimulate(t *testing.T, bin string, s *testServer, server string) {
	// A fixed Monday long before the dev data set, so every clocking on it is the
	// simulation's.
	const date = "2025-03-03"
	c := startChild(t, bin, "simulate", "--server", server, "--rate", "40", "--duration", "3s", "--date", date)
	if code := c.wait(60 * time.Second); code != 0 {
		t.Fatalf("simulate exited %d\n%s", code, c.stderr)
	}
	if !regexp.MustCompile(date + ` \d\d:\d\d  \d+ changes in \d+ requests, [\d.]+/s: clock-ins \d+`).MatchString(c.stderr.String()) {
		t.Errorf("no progress line on stderr:\n%q", c.stderr)
	}
	out := strings.Join(c.stdout(), "\n")
	m := regexp.MustCompile(`simulated (\d+) changes for (\d+) people in (\d+) requests over \S+: clock-ins (\d+), breaks out (\d+), breaks in (\d+), clock-outs (\d+), corrections (\d+), absences (\d+), contract changes (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("simulate printed %q", out)
	}
	n := make([]int, len(m))
	for i := 1; i < len(m); i++ {
		n[i], _ = strconv.Atoi(m[i])
	}
	changes, people, clockings, absences := n[1], n[2], n[4]+n[5]+n[6]+n[7], n[9]
	// Bounded: at most --rate x --duration changes, and a good part of them in 3 s.
	if changes < 40 || changes > 120 || changes != clockings+n[8]+absences+n[10] {
		t.Fatalf("%d changes (%s), want 40 to 120, the sum of the kinds", changes, out)
	}
	if people != 36 || n[4] == 0 {
		t.Errorf("%d people, %d clock-ins; want the dev tenant's 36 people clocking in", people, n[4])
	}

	// The clockings and absences arrived in the store.
	count := func(collection string) int {
		total := 0
		path := "/connector/protimeapi/api/v1/" + collection + "?filter=" + strings.ReplaceAll(fmt.Sprintf("date eq '%s'", date), " ", "%20")
		for path != "" {
			resp := s.call(demoClient, http.MethodGet, path, "")
			resp.wantStatus(t, http.StatusOK)
			var page struct {
				Value    []json.RawMessage
				NextLink string
			}
			json.Unmarshal(resp.body, &page)
			total += len(page.Value)
			path = page.NextLink
		}
		return total
	}
	if got := count(shiftwire.Clockings); got != clockings {
		t.Errorf("%d clockings on %s in the store, simulate reported %d", got, date, clockings)
	}
	if got := count(shiftwire.Absences); got != absences {
		t.Errorf("%d absences on %s in the store, simulate reported %d", got, date, absences)
	}
}

// TestListenDestinationRefused: a server that refuses http and loopback destinations (no
// --dev) makes listen fail at once, saying which server flags allow its receiver.
func TestListenDestinationRefused(t *testing.T) {
	db := tempDB(t)
	createTenant(t, db, "acme", "")
	c := addClient(t, db, "acme", shiftwire.ScopeWebhooksWrite, shiftwire.ReadScope(shiftwire.Clockings))
	s := startServer(t, db)
	_, _, err := runCmd(t, env{"SHIFTWIRE_CLIENT_SECRET": c.ClientSecret}, "listen", "--server", "http://"+s.addr, "--tenant", "acme", "--client-id", c.ClientID, "--collection", "clockings")
	if err == nil || !strings.Contains(err.Error(), "subscribing to clockings") || !strings.Contains(err.Error(), "--allow-insecure-destinations --allow-private-destinations") {
		t.Fatalf("listen against a server that refuses its receiver: %v", err)
	}
}

func TestListenFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{}, "give at least one --collection"},
		{[]string{"--collection", "terminals"}, `--collection "terminals": not a collection webhooks can subscribe to (absence-definitions, absence-groups,`},
		{[]string{"--collection", "clockings clockings"}, `--collection "clockings" given twice`},
		{[]string{"--collection", "clockings", "--forward-to", "127.0.0.1:9999"}, "--forward-to must be an http or https URL"},
		{[]string{"--collection", "clockings", "--receiver-addr", "0.0.0.0:9000"}, "listens on every address: give --receiver-url"},
		{[]string{"--collection", "clockings", "--receiver-addr", ":9000"}, "listens on every address"},
		{[]string{"--collection", "clockings", "--receiver-url", "host.docker.internal:9000"}, "--receiver-url must be an http or https base URL"},
		{[]string{"--collection", "clockings", "extra"}, "listen takes no arguments"},
	} {
		_, _, err := runCmd(t, nil, append([]string{"listen"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("listen %q: %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}

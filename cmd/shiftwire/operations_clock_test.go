package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// testClock is the clock a server under test reads. It stands still but for a millisecond
// at every reading, so that times and time-ordered ids stay distinct, until the test moves
// it with Advance: retries, overlaps, expiry and notices come when the test says.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	// Real time to start with, so that receivers' timestamp tolerance holds until the test
	// moves the clock.
	return &testClock{now: time.Now().UTC().Truncate(time.Second)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Millisecond)
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// clockFixture is a server on a test clock with tenant acme and one client that may manage
// webhooks on break definitions and write them.
type clockFixture struct {
	srv    *testServer
	clock  *testClock
	client testClient
}

func newClockFixture(t *testing.T, args ...string) *clockFixture {
	t.Helper()
	db := tempDB(t)
	createTenant(t, db, "acme", shiftwire.DefaultTimeZone)
	client := addClient(t, db, "acme", shiftwire.ScopeWebhooksWrite, shiftwire.ScopeWebhooksRead,
		shiftwire.ReadScope(shiftwire.BreakDefinitions), shiftwire.WriteScope(shiftwire.BreakDefinitions))
	clock := newTestClock()
	srv := startServerClock(t, nil, clock.Now, append([]string{"--addr", "127.0.0.1:0", "--db", db,
		"--allow-private-destinations", "--allow-insecure-destinations"}, args...)...)
	return &clockFixture{srv: srv, clock: clock, client: client}
}

// call makes an API call as the fixture's client, with a token fresh at the test clock.
func (f *clockFixture) call(method, path, body string) *apiResponse {
	return f.srv.do(apiRequest{method: method, path: "/connector/protimeapi/api/v1/" + path, host: "acme.localhost",
		token: f.srv.tokenFor(f.client), body: body})
}

// createWebhook subscribes dest to break definitions, with extra members in the body.
func (f *clockFixture) createWebhook(t *testing.T, dest, extra string) (id, key string) {
	t.Helper()
	resp := f.call(http.MethodPost, "webhooks", fmt.Sprintf(`{"destinationUrl":%q,"collectionName":"break-definitions"%s}`, dest, extra))
	resp.wantStatus(t, http.StatusCreated)
	var body struct{ ID, Key string }
	unmarshal(t, resp, &body)
	return body.ID, body.Key
}

// write puts break definitions ids, named for round.
func (f *clockFixture) write(t *testing.T, round int, ids ...int64) {
	t.Helper()
	writeBreakDefinitions(t, f.srv, f.srv.tokenFor(f.client), round, ids)
}

// event is what the tests read of a received event.
type event struct {
	msgID   string
	version string
	id      int64
	name    string
}

// events returns the requests rc received that verify with key, as events, in arrival
// order; pings are left out. The timestamp is checked against the test clock, not the machine's.
func (f *clockFixture) events(t *testing.T, rc *opsReceiver, key string) []event {
	t.Helper()
	v, err := standardwebhooks.NewWebhook(key)
	if err != nil {
		t.Fatal(err)
	}
	var out []event
	for _, r := range rc.requests() {
		if v.VerifyIgnoringTimestamp(r.body, r.header) != nil {
			continue
		}
		var ev struct {
			ChangeType string `json:"changeType"`
			Data       struct {
				ChangeVersion string                   `json:"changeVersion"`
				ID            int64                    `json:"id"`
				Name          struct{ Default string } `json:"name"`
			} `json:"data"`
		}
		if err := json.Unmarshal(r.body, &ev); err != nil {
			t.Fatalf("event %s: %v", r.body, err)
		}
		if ev.ChangeType == "Ping" {
			continue
		}
		out = append(out, event{r.header.Get("Webhook-Id"), ev.Data.ChangeVersion, ev.Data.ID, ev.Data.Name.Default})
	}
	return out
}

// waitEvents waits until rc received at least n events that verify with key.
func (f *clockFixture) waitEvents(t *testing.T, rc *opsReceiver, key string, n int) []event {
	t.Helper()
	var got []event
	waitFor(t, 10*time.Second, fmt.Sprintf("%d events", n), func() bool {
		got = f.events(t, rc, key)
		return len(got) >= n
	})
	return got
}

// attempts lists the webhook's recorded attempts, newest first.
func (f *clockFixture) attempts(t *testing.T, id, filter string) []map[string]any {
	t.Helper()
	path := "webhooks/" + id + "/deliveries"
	if filter != "" {
		path += "?filter=" + strings.ReplaceAll(filter, " ", "%20")
	}
	resp := f.call(http.MethodGet, path, "")
	var list struct{ Value []map[string]any }
	unmarshal(t, resp, &list)
	return list.Value
}

func TestResend(t *testing.T) {
	f := newClockFixture(t)
	rc := newOpsReceiver(t, http.StatusOK)
	id, key := f.createWebhook(t, rc.URL, "")
	f.write(t, 1, 7)
	first := f.waitEvents(t, rc, key, 1)[0]
	var attempt string
	waitFor(t, 5*time.Second, "the attempt recorded", func() bool {
		if as := f.attempts(t, id, ""); len(as) == 1 {
			attempt = fmt.Sprint(as[0]["id"])
		}
		return attempt != ""
	})

	resp := f.call(http.MethodPost, "webhooks/"+id+"/deliveries/"+attempt+"/resend", "")
	resp.wantStatus(t, http.StatusAccepted)
	if strings.TrimSpace(string(resp.body)) != `{"resent":1}` {
		t.Fatalf("resend answered %s", resp.body)
	}
	again := f.waitEvents(t, rc, key, 2)[1]
	if again != first {
		t.Fatalf("resent event %+v, want the first one again, same webhook-id: %+v", again, first)
	}
	if as := f.attempts(t, id, ""); len(as) != 2 || as[0]["attempt"] != float64(1) {
		t.Fatalf("after the resend the attempts are %v", as)
	}

	// A ping carries no change; another webhook's attempt is not this one's.
	ping := f.call(http.MethodPost, "webhooks/"+id+"/ping", "")
	ping.wantStatus(t, http.StatusOK)
	var p struct{ ID string }
	unmarshal(t, ping, &p)
	f.call(http.MethodPost, "webhooks/"+id+"/deliveries/"+p.ID+"/resend", "").wantError(t, http.StatusBadRequest, "BadRequest", "ping")
	other, _ := f.createWebhook(t, rc.URL, "")
	f.call(http.MethodPost, "webhooks/"+other+"/deliveries/"+attempt+"/resend", "").wantStatus(t, http.StatusNotFound)
	f.call(http.MethodPost, "webhooks/"+id+"/deliveries/0190aaaa-0000-7000-8000-000000000000/resend", "").wantStatus(t, http.StatusNotFound)

	// A deleted webhook queues nothing.
	f.call(http.MethodDelete, "webhooks/"+id, "").wantStatus(t, http.StatusNoContent)
	f.call(http.MethodPost, "webhooks/"+id+"/deliveries/"+attempt+"/resend", "").wantStatus(t, http.StatusConflict)
	f.call(http.MethodPost, "webhooks/"+id+"/recover", `{"since":"`+f.clock.Now().Add(-time.Hour).Format(time.RFC3339)+`"}`).
		wantStatus(t, http.StatusConflict)
	if n := len(f.events(t, rc, key)); n != 2 {
		t.Fatalf("%d events after the webhook was deleted, want 2", n)
	}
}

// TestResendAndRecoverKeepObjectOrder queues an object's change behind a failing one, then
// resends and recovers older changes of the same object: they join the back of its lane, so
// the object's changes still go one at a time, the queued one first.
func TestResendAndRecoverKeepObjectOrder(t *testing.T) {
	f := newClockFixture(t)
	rc := newOpsReceiver(t, http.StatusOK)
	id, key := f.createWebhook(t, rc.URL, "")
	f.write(t, 1, 7)
	f.write(t, 2, 7)
	f.waitEvents(t, rc, key, 2)
	var firstAttempt string
	waitFor(t, 5*time.Second, "both attempts recorded", func() bool {
		as := f.attempts(t, id, "")
		if len(as) == 2 {
			firstAttempt = fmt.Sprint(as[1]["id"]) // newest first: round 1 is the last
		}
		return firstAttempt != ""
	})

	// Round 3 fails and waits for its retry, which the test clock never reaches by itself.
	rc.status.Store(http.StatusInternalServerError)
	f.write(t, 3, 7)
	waitFor(t, 5*time.Second, "round 3 failed", func() bool { return len(f.attempts(t, id, "outcome eq 'Failed'")) == 1 })
	rc.status.Store(http.StatusOK)

	resp := f.call(http.MethodPost, "webhooks/"+id+"/deliveries/"+firstAttempt+"/resend", "")
	resp.wantStatus(t, http.StatusAccepted)
	// Recover from before the webhook: round 1 is queued already, round 3 too; round 2 is new.
	resp = f.call(http.MethodPost, "webhooks/"+id+"/recover", `{"since":"`+f.clock.Now().Add(-time.Hour).Format(time.RFC3339)+`"}`)
	resp.wantStatus(t, http.StatusAccepted)
	if strings.TrimSpace(string(resp.body)) != `{"recovered":1}` {
		t.Fatalf("recover answered %s, want round 2 alone queued again", resp.body)
	}
	// Nothing of the object goes before round 3, which waits for its retry.
	time.Sleep(300 * time.Millisecond)
	if n := len(f.events(t, rc, key)); n != 3 {
		t.Fatalf("%d events before round 3's retry, want 3 (rounds 1, 2 and the failed 3)", n)
	}
	f.call(http.MethodPost, "webhooks/"+id+"/retry", "").wantStatus(t, http.StatusAccepted)
	got := f.waitEvents(t, rc, key, 6)
	var names []string
	for _, ev := range got {
		names = append(names, ev.name)
	}
	want := []string{"break 7 round 1", "break 7 round 2", "break 7 round 3", "break 7 round 3", "break 7 round 1", "break 7 round 2"}
	if strings.Join(names, ", ") != strings.Join(want, ", ") {
		t.Fatalf("events in the order %q, want %q", names, want)
	}
	if got[4].msgID != got[0].msgID || got[5].msgID != got[1].msgID {
		t.Fatalf("resent and recovered events have new webhook-ids: %+v", got)
	}
	if rc.maxInFlight() > 1 {
		t.Fatalf("%d requests of one object were in flight at once", rc.maxInFlight())
	}
}

func TestRecoverSince(t *testing.T) {
	f := newClockFixture(t, "--delivery-log-retention", "48h")
	rc := newOpsReceiver(t, http.StatusOK)
	id, key := f.createWebhook(t, rc.URL, "")
	f.write(t, 1, 1, 2)
	f.waitEvents(t, rc, key, 2)
	f.clock.Advance(time.Hour)
	since := f.clock.Now()
	f.clock.Advance(time.Minute)
	f.write(t, 2, 3)
	f.waitEvents(t, rc, key, 3)

	recover := func(since string) *apiResponse {
		return f.call(http.MethodPost, "webhooks/"+id+"/recover", `{"since":"`+since+`"}`)
	}
	resp := recover(since.Format(time.RFC3339Nano))
	resp.wantStatus(t, http.StatusAccepted)
	if strings.TrimSpace(string(resp.body)) != `{"recovered":1}` {
		t.Fatalf("recover since the last hour answered %s, want the one change after it", resp.body)
	}
	if got := f.waitEvents(t, rc, key, 4); got[3].name != "break 3 round 2" {
		t.Fatalf("recovered %+v", got[3])
	}

	now := f.clock.Now()
	for _, bad := range []string{
		now.Add(time.Hour).Format(time.RFC3339),       // in the future
		now.Add(-49 * time.Hour).Format(time.RFC3339), // older than the retention
		"yesterday", "2026-13-01T00:00:00Z", "",
	} {
		recover(bad).wantError(t, http.StatusBadRequest, "BadRequest", "the oldest time allowed is")
	}
	f.call(http.MethodPost, "webhooks/"+id+"/recover", `{}`).wantValidation(t, "since")
	f.call(http.MethodPost, "webhooks/"+id+"/recover", `{"since":"`+now.Format(time.RFC3339)+`","x":1}`).wantValidation(t, "x")
	if n := len(f.events(t, rc, key)); n != 4 {
		t.Fatalf("bad recovers queued events: %d, want 4", n)
	}
}

func TestRotateKey(t *testing.T) {
	f := newClockFixture(t, "--key-overlap", "1h")
	rc := newOpsReceiver(t, http.StatusOK)
	id, oldKey := f.createWebhook(t, rc.URL, "")

	resp := f.call(http.MethodPost, "webhooks/"+id+"/rotate-key", "")
	resp.wantStatus(t, http.StatusOK)
	var rotated struct{ Key string }
	unmarshal(t, resp, &rotated)
	if !strings.HasPrefix(rotated.Key, "whsec_") || rotated.Key == oldKey || strings.Count(string(resp.body), ":") != 1 {
		t.Fatalf("rotate-key answered %s", resp.body)
	}
	newKey := rotated.Key

	// During the overlap both keys sign, the new key's first.
	f.write(t, 1, 1)
	during := f.waitEvents(t, rc, newKey, 1)
	if old := f.events(t, rc, oldKey); len(old) != 1 || old[0] != during[0] {
		t.Fatalf("during the overlap the old key verifies %+v, want the event", old)
	}
	sig := rc.requests()[0].header.Get("Webhook-Signature")
	parts := strings.Split(sig, " ")
	if len(parts) != 2 || !strings.HasPrefix(parts[0], "v1,") || !strings.HasPrefix(parts[1], "v1,") {
		t.Fatalf("webhook-signature %q, want two v1 signatures", sig)
	}
	onlyNew, _ := standardwebhooks.NewWebhook(newKey)
	h := rc.requests()[0].header.Clone()
	h.Set("Webhook-Signature", parts[0])
	if onlyNew.VerifyIgnoringTimestamp(rc.requests()[0].body, h) != nil {
		t.Fatal("the first signature is not the new key's")
	}

	// After the overlap only the new key signs.
	f.clock.Advance(time.Hour + time.Minute)
	f.write(t, 2, 1)
	after := f.waitEvents(t, rc, newKey, 2)
	if old := f.events(t, rc, oldKey); len(old) != 1 {
		t.Fatalf("after the overlap the old key still verifies %d events", len(old))
	}
	if sig := rc.requests()[1].header.Get("Webhook-Signature"); strings.Contains(sig, " ") || after[1].name != "break 1 round 2" {
		t.Fatalf("after the overlap: signature %q, event %+v", sig, after[1])
	}

	// The key is never shown again, nor logged.
	got := f.call(http.MethodGet, "webhooks/"+id, "")
	got.wantStatus(t, http.StatusOK)
	for _, k := range []string{newKey, strings.TrimPrefix(newKey, "whsec_")} {
		if strings.Contains(string(got.body), k) || strings.Contains(f.srv.stderr.String(), k) {
			t.Fatal("the new key shows in a read or in the log")
		}
	}
	if !strings.Contains(f.srv.stderr.String(), "webhook key rotated") {
		t.Fatal("the rotation is not logged")
	}

	// Other tenants see no webhook; readers may not rotate; a deleted webhook is not rotated.
	createTenant(t, f.srv.db, "globex", "")
	other := addClient(t, f.srv.db, "globex", shiftwire.ScopeWebhooksWrite, shiftwire.ReadScope(shiftwire.BreakDefinitions))
	f.srv.do(apiRequest{method: http.MethodPost, path: "/connector/protimeapi/api/v1/webhooks/" + id + "/rotate-key",
		host: "globex.localhost", token: f.srv.tokenFor(other)}).wantStatus(t, http.StatusNotFound)
	reader := addClient(t, f.srv.db, "acme", shiftwire.ScopeWebhooksRead, shiftwire.ReadScope(shiftwire.BreakDefinitions))
	f.srv.do(apiRequest{method: http.MethodPost, path: "/connector/protimeapi/api/v1/webhooks/" + id + "/rotate-key",
		host: "acme.localhost", token: f.srv.tokenFor(reader)}).wantStatus(t, http.StatusUnauthorized)
	// Operations need the read scope of the webhook's collection too, as creating it does.
	blind := addClient(t, f.srv.db, "acme", shiftwire.ScopeWebhooksRead, shiftwire.ScopeWebhooksWrite)
	for _, op := range []string{"rotate-key", "recover", "retry", "ping"} {
		f.srv.do(apiRequest{method: http.MethodPost, path: "/connector/protimeapi/api/v1/webhooks/" + id + "/" + op,
			host: "acme.localhost", token: f.srv.tokenFor(blind), body: `{"since":"2026-01-01"}`}).wantStatus(t, http.StatusUnauthorized)
	}
	f.call(http.MethodDelete, "webhooks/"+id, "").wantStatus(t, http.StatusNoContent)
	f.call(http.MethodPost, "webhooks/"+id+"/rotate-key", "").wantStatus(t, http.StatusConflict)
}

// unmarshal decodes the JSON body of resp into v, which may hold only some of its members.
func unmarshal(t *testing.T, resp *apiResponse, v any) {
	t.Helper()
	if err := json.Unmarshal(resp.body, v); err != nil {
		t.Fatalf("decoding %s: %v", resp.body, err)
	}
}

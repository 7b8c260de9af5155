package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/shiftwire/shiftwire"
)

// recordingReceiver is a destination that verifies signatures and records every event it
// accepts, with the webhook-id it came with.
type recordingReceiver struct {
	*httptest.Server
	verifier *standardwebhooks.Webhook
	mu       sync.Mutex
	events   []receivedEvent
	ids      map[string]int       // webhook-id -> times received
	firstAt  map[string]time.Time // webhook-id -> when it was first received
	bad      int
}

type receivedEvent struct {
	msgID   string
	id      int64
	version string
}

func newRecordingReceiver(t *testing.T) *recordingReceiver {
	rc := &recordingReceiver{ids: map[string]int{}, firstAt: map[string]time.Time{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if rc.verifier == nil || rc.verifier.Verify(body, r.Header) != nil {
			rc.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev struct {
			Data struct {
				ID            int64  `json:"id"`
				ChangeVersion string `json:"changeVersion"`
			} `json:"data"`
		}
		json.Unmarshal(body, &ev)
		msgID := r.Header.Get("webhook-id")
		rc.events = append(rc.events, receivedEvent{msgID: msgID, id: ev.Data.ID, version: ev.Data.ChangeVersion})
		if rc.ids[msgID] == 0 {
			rc.firstAt[msgID] = time.Now()
		}
		rc.ids[msgID]++
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// distinct returns how many different events arrived and how many arrived more than once.
func (rc *recordingReceiver) distinct() (distinct, duplicates int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, n := range rc.ids {
		distinct++
		duplicates += n - 1
	}
	return distinct, duplicates
}

// writeBreakDefinitions commits one POST /changes of break definitions with the given ids,
// each with a name that tells the round apart.
func writeBreakDefinitions(t *testing.T, s *testServer, token string, round int, ids []int64) {
	t.Helper()
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"collection":"break-definitions","changeType":"InsertOrUpdate","data":{"id":%d,"name":{"default":"break %d round %d"},"minimumDurationInMinutes":15}}`, id, id, round)
	}
	b.WriteByte(']')
	resp := s.do(apiRequest{method: http.MethodPost, path: "/connector/protimeapi/api/v1/changes", host: "acme.localhost", token: token, body: b.String()})
	resp.wantStatus(t, http.StatusOK)
}

// TestKillNineLosesNothing commits 10,000 changes while a destination receives, kills the
// server with SIGKILL in the middle of delivering, restarts it, and checks that every change
// arrived, in order per object, and that the only duplicates are attempts that were in
// flight at the kill.
func TestKillNineLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a real process; skipped in short mode")
	}
	bin := buildBinary(t)
	db := tempDB(t)
	createTenant(t, db, "acme", shiftwire.DefaultTimeZone)
	client := addClient(t, db, "acme", shiftwire.ScopeWebhooksWrite, shiftwire.ScopeWebhooksRead,
		shiftwire.ReadScope(shiftwire.BreakDefinitions), shiftwire.WriteScope(shiftwire.BreakDefinitions))
	flags := []string{"--db", db, "--allow-private-destinations", "--allow-insecure-destinations"}

	srv := startProcess(t, bin, flags...)
	token := srv.token(client)
	rc := newRecordingReceiver(t)
	resp := srv.do(apiRequest{method: http.MethodPost, path: "/connector/protimeapi/api/v1/webhooks", host: "acme.localhost", token: token,
		body: fmt.Sprintf(`{"destinationUrl":%q,"collectionName":"break-definitions"}`, rc.URL+"/hook")})
	resp.wantStatus(t, http.StatusCreated)
	var created map[string]any
	resp.decode(t, &created)
	verifier, err := standardwebhooks.NewWebhook(fmt.Sprint(created["key"]))
	if err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	rc.verifier = verifier
	rc.mu.Unlock()

	// 10,000 changes on 2,000 objects, five changes each, in two halves around the kill.
	const total, objects, perRequest = 10000, 2000, 500
	write := func(s *testServer, from, to int) {
		for start := from; start < to; start += perRequest {
			ids := make([]int64, 0, perRequest)
			for i := start; i < start+perRequest; i++ {
				ids = append(ids, int64(i%objects+1))
			}
			writeBreakDefinitions(t, s, s.token(client), start/objects, ids)
		}
	}
	write(srv.testServer, 0, total/2)
	waitFor(t, 30*time.Second, "the first events", func() bool { n, _ := rc.distinct(); return n >= 500 })
	srv.kill()
	killedAt := time.Now()
	received, _ := rc.distinct()
	if received >= total/2 {
		t.Fatalf("all %d events of the first half arrived before the kill; the test did not kill mid-delivery", received)
	}
	t.Logf("killed after %d of %d events", received, total/2)

	srv = startProcess(t, bin, flags...)
	write(srv.testServer, total/2, total)
	waitFor(t, 60*time.Second, "every event", func() bool { n, _ := rc.distinct(); return n == total })
	srv.stop()

	distinct, duplicates := rc.distinct()
	t.Logf("%d events, %d duplicates", distinct, duplicates)
	// A webhook has at most twice --delivery-concurrency (8) requests sent whose outcomes are
	// not written: all a kill can make the engine send again.
	if duplicates > 16 {
		t.Fatalf("%d duplicates; only the at most 16 attempts in flight at the kill may repeat", duplicates)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.bad != 0 {
		t.Fatalf("%d requests failed signature verification", rc.bad)
	}
	// Every repeated event was first received before the kill: an attempt in flight then.
	for msgID, n := range rc.ids {
		if n > 1 && rc.firstAt[msgID].After(killedAt) {
			t.Errorf("%s was sent twice but first received after the kill", msgID)
		}
	}
	// Per object, the first arrival of each change follows changeVersion order.
	last := map[int64]string{}
	seen := map[string]bool{}
	for _, ev := range rc.events {
		if seen[ev.msgID] {
			continue
		}
		seen[ev.msgID] = true
		if ev.version <= last[ev.id] {
			t.Fatalf("object %d: change %s arrived after %s", ev.id, ev.version, last[ev.id])
		}
		last[ev.id] = ev.version
	}
	if len(last) != objects {
		t.Fatalf("%d objects arrived, want %d", len(last), objects)
	}
}

// waitFor polls cond every 10 ms until it holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

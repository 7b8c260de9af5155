package delivery_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/delivery"
)

func TestBatchMode(t *testing.T) {
	f := newFixture(t, delivery.Config{})
	rc := newReceiver(t, nil)
	hook, key := f.webhook(f.tenant, shiftwire.BreakDefinitions, rc.URL, func(w *shiftwire.Webhook) { w.BatchSize = 4 })
	f.put(f.tenant, shiftwire.BreakDefinitions, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	f.runOnce()
	verifier, _ := standardwebhooks.NewWebhook(key)
	var all []string
	for _, r := range rc.accepted() {
		var body struct {
			Value []event `json:"value"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil || len(body.Value) == 0 || len(body.Value) > 4 {
			t.Fatalf("batch body %s: %v", r.body, err)
		}
		var versions []string
		for _, ev := range body.Value {
			versions = append(versions, ev.version())
		}
		if !slices.IsSorted(versions) {
			t.Fatalf("batch not in changeVersion order: %v", versions)
		}
		all = append(all, versions...)
		if err := verifier.VerifyIgnoringTimestamp(r.body, r.header); err != nil {
			t.Fatalf("signature: %v", err)
		}
	}
	if len(all) != 10 {
		t.Fatalf("%d events in batches, want 10", len(all))
	}
	attempts, _ := f.db.Attempts(context.Background(), f.tenant.ID, hook.ID, "", 10)
	if len(attempts) != len(rc.accepted()) || len(attempts[0].ChangeVersions) == 0 {
		t.Fatalf("attempts = %+v", attempts)
	}
}

// TestKeyNeverLeaks: the signing key appears nowhere but in the signature it makes: not in
// the logs, the recorded request headers, or the recorded bodies.
func TestKeyNeverLeaks(t *testing.T) {
	f := newFixture(t, delivery.Config{})
	rc := newReceiver(t, func(received) int { return 500 })
	hook, key := f.webhook(f.tenant, shiftwire.Clockings, rc.URL)
	f.put(f.tenant, shiftwire.Clockings, 1)
	f.runOnce()
	attempts, _ := f.db.Attempts(context.Background(), f.tenant.ID, hook.ID, "", 10)
	full, err := f.db.Attempt(context.Background(), f.tenant.ID, hook.ID, attempts[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if full.RequestHeaders["Webhook-Signature"] == "" || len(full.RequestBody) == 0 || !strings.Contains(string(full.ResponseBody), "answered 500") {
		t.Fatalf("recorded attempt misses request or response: %+v", full)
	}
	raw := strings.TrimPrefix(key, "whsec_")
	recorded, _ := json.Marshal(full)
	for name, text := range map[string]string{"logs": f.logs.String(), "attempt record": string(recorded)} {
		if strings.Contains(text, raw) || strings.Contains(text, key) {
			t.Errorf("the signing key appears in the %s", name)
		}
	}
	if !strings.Contains(f.logs.String(), "delivery failed") {
		t.Fatal("no log line for the failed delivery")
	}
}

// TestBatchRequestsFillUp: when webhooks in batch mode have more due than one request holds,
// claims grow past ClaimBatch until every webhook's request is full. Due deliveries come
// interleaved across the webhooks, so claims of ClaimBatch (40) candidates alone would send
// requests of 10 to each of the 4 webhooks. The concurrency is high enough that no webhook
// is ever at its limit, so every claim takes from all four.
func TestBatchRequestsFillUp(t *testing.T) {
	f := newFixture(t, delivery.Config{ClaimBatch: 40, Concurrency: 64})
	rc := newReceiver(t, nil)
	for range 4 {
		f.webhook(f.tenant, shiftwire.BreakDefinitions, rc.URL, func(w *shiftwire.Webhook) { w.BatchSize = 20 })
	}
	ids := make([]int64, 200)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	f.put(f.tenant, shiftwire.BreakDefinitions, ids...)
	f.runOnce()
	largest, events := 0, 0
	for _, r := range rc.accepted() {
		var body struct{ Value []json.RawMessage }
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		largest = max(largest, len(body.Value))
		events += len(body.Value)
	}
	if events != 800 {
		t.Fatalf("%d events delivered, want 800", events)
	}
	if largest != 20 {
		t.Errorf("the largest request carried %d events, want full batches of 20", largest)
	}
}

// BenchmarkDeliverBatchMode delivers 500 changes to each of 100 webhooks in batch mode, 100
// events a request, with RunOnce: claims, sends to a loopback receiver and completions, on
// SQLite. Writing the changes is not timed. It reports the time per event and how many events
// the claims put in a request.
func BenchmarkDeliverBatchMode(b *testing.B) {
	const webhooks, changes = 100, 500
	f := newFixture(b, delivery.Config{})
	var requests, events atomic.Int64
	dest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Value []json.RawMessage }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		requests.Add(1)
		events.Add(int64(len(body.Value)))
	}))
	b.Cleanup(dest.Close)
	for range webhooks {
		f.webhook(f.tenant, shiftwire.BreakDefinitions, dest.URL, func(w *shiftwire.Webhook) { w.BatchSize = 100 })
	}
	ids := make([]int64, changes)
	for b.Loop() {
		b.StopTimer()
		for i := range ids {
			ids[i] = ids[len(ids)-1] + int64(i) + 1 // new objects: one lane each
		}
		f.put(f.tenant, shiftwire.BreakDefinitions, ids...)
		b.StartTimer()
		f.runOnce()
	}
	if want := int64(b.N * webhooks * changes); events.Load() != want {
		b.Fatalf("%d events delivered, want %d", events.Load(), want)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events.Load()), "ns/event")
	b.ReportMetric(float64(events.Load())/float64(requests.Load()), "events/request")
}

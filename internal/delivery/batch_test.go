package delivery_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
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

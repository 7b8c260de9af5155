package sqlite_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// TestDurability checks that every write the API acknowledges commits synced
// (synchronous=FULL, which survives a power loss), and that the delivery engine's
// bookkeeping takes the cheaper NORMAL, whatever ran before it.
func TestDurability(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLite(t)
	const normal, full = 1, 2
	check := func(what string, want int) {
		t.Helper()
		got, err := db.WriteSynchronous(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s committed with synchronous=%d, want %d", what, got, want)
		}
	}
	now := time.Now()
	bookkeeping := func(what string) {
		t.Helper()
		if _, err := db.ClaimDeliveries(ctx, shiftwire.ClaimQuery{Now: now.Add(time.Hour), LeaseUntil: now.Add(2 * time.Hour), Limit: 10}); err != nil {
			t.Fatal(err)
		}
		check(what, normal)
	}

	tn := &shiftwire.Tenant{Name: "acme", TimeZone: shiftwire.DefaultTimeZone}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	check("CreateTenant", full)
	bookkeeping("ClaimDeliveries")
	if err := db.CreateClient(ctx, &shiftwire.Client{TenantID: tn.ID, ID: "c", SecretHash: []byte("x"), Scopes: []string{"s"}}); err != nil {
		t.Fatal(err)
	}
	check("CreateClient", full)
	bookkeeping("ClaimDeliveries")
	w := &shiftwire.Webhook{ID: shiftwire.NewID(now), TenantID: tn.ID, ClientID: "c", DestinationURL: "https://receiver.example/",
		Collection: shiftwire.People, Key: shiftwire.Secret("0123456789abcdef0123456789abcdef"), Status: shiftwire.WebhookEnabled,
		CreatedAt: now, ValidUntil: now.Add(time.Hour)}
	if err := db.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	check("CreateWebhook", full)
	bookkeeping("ClaimDeliveries")
	err := db.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
		return tx.Put(ctx, &shiftwire.Object{Collection: shiftwire.People, ID: 1, Data: json.RawMessage(`{"id":1}`)})
	})
	if err != nil {
		t.Fatal(err)
	}
	check("a change write", full)
	ds, err := db.ClaimDeliveries(ctx, shiftwire.ClaimQuery{Now: now.Add(time.Hour), LeaseUntil: now.Add(2 * time.Hour), Limit: 10})
	if err != nil || len(ds) != 1 {
		t.Fatalf("ClaimDeliveries = %d, %v", len(ds), err)
	}
	check("ClaimDeliveries", normal)
	if err := db.SetCustomReferences(ctx, tn.ID, shiftwire.People, 1, map[string]string{"HR": "1"}); err != nil {
		t.Fatal(err)
	}
	check("SetCustomReferences", full)
	c := shiftwire.Completion{Deliveries: []int64{ds[0].ID}, Lease: ds[0].Lease, Succeeded: true, Attempt: shiftwire.Attempt{
		ID: shiftwire.NewID(now), WebhookID: w.ID, TenantID: tn.ID, AttemptedAt: now, Outcome: shiftwire.OutcomeSucceeded}}
	if err := db.CompleteDeliveries(ctx, []shiftwire.Completion{c}); err != nil {
		t.Fatal(err)
	}
	check("CompleteDeliveries", normal)
	if _, err := db.DisableWebhook(ctx, tn.ID, w.ID, shiftwire.DisabledDeleted, now); err != nil {
		t.Fatal(err)
	}
	check("DisableWebhook", full)
	if err := db.ReleaseAllLeases(ctx); err != nil {
		t.Fatal(err)
	}
	check("ReleaseAllLeases", normal)
	if _, err := db.Prune(ctx, now, 10); err != nil {
		t.Fatal(err)
	}
	check("Prune", normal)
}

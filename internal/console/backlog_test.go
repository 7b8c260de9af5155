package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/console"
	"github.com/shiftwire/shiftwire/internal/sqlite"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// queuePeople commits people with ids, each queuing one delivery per people webhook.
func queuePeople(t *testing.T, db *sqlite.DB, tenantID int64, ids ...int64) {
	t.Helper()
	err := db.Write(context.Background(), tenantID, func(tx shiftwire.WriteTx) error {
		for _, id := range ids {
			o := &shiftwire.Object{Collection: shiftwire.People, ID: id, Data: json.RawMessage(fmt.Sprintf(`{"id":%d}`, id))}
			if err := tx.Put(context.Background(), o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBacklogHistory samples a real store's queue at given times and checks what a chart
// gets: each sample's backlog of the webhook, zero where it had none, and nothing older than
// the history keeps.
func TestBacklogHistory(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLite(t)
	tenant := &shiftwire.Tenant{Name: "acme", TimeZone: shiftwire.DefaultTimeZone}
	if err := db.CreateTenant(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	hook := &shiftwire.Webhook{ID: shiftwire.NewID(now), TenantID: tenant.ID, ClientID: "c", DestinationURL: "https://receiver.example/",
		Collection: shiftwire.People, Key: shiftwire.Secret("0123456789abcdef0123456789abcdef"), Status: shiftwire.WebhookEnabled,
		CreatedAt: now, ValidUntil: now.Add(time.Hour)}
	if err := db.CreateWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	h := console.NewBacklogHistory(db, time.Hour)
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	sample := func(at time.Time) {
		t.Helper()
		if err := h.Sample(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	sample(t0)
	queuePeople(t, db, tenant.ID, 1, 2)
	sample(t0.Add(30 * time.Second))
	queuePeople(t, db, tenant.ID, 3)
	sample(t0.Add(time.Minute))

	want := []console.Point{{t0, 0}, {t0.Add(30 * time.Second), 2}, {t0.Add(time.Minute), 3}}
	if got := h.Series(hook.ID, t0.Add(-time.Hour)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Series = %v, want %v", got, want)
	}
	if got := h.Series(hook.ID, t0.Add(time.Second)); fmt.Sprint(got) != fmt.Sprint(want[1:]) {
		t.Errorf("Series since t0+1s = %v, want %v", got, want[1:])
	}
	if got := h.Series("another webhook", t0); len(got) != 3 || got[2].Backlog != 0 {
		t.Errorf("an unknown webhook's series = %v, want three zeros", got)
	}
	// An hour and a half later, only the samples of the last hour remain.
	sample(t0.Add(90 * time.Minute))
	if got := h.Series(hook.ID, time.Time{}); len(got) != 1 || got[0].Backlog != 3 {
		t.Errorf("after 90 minutes Series = %v, want the last sample alone", got)
	}
}

package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/sqlite"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// TestRetryDeliveriesInChunks checks that RetryDeliveries makes every held delivery of a
// webhook due when it walks them a few at a time, the leased one excepted.
func TestRetryDeliveriesInChunks(t *testing.T) {
	defer sqlite.SetRetryChunk(sqlite.SetRetryChunk(3))
	ctx := context.Background()
	db := storetest.OpenSQLite(t)
	bs := storetest.NewBenchStore(t, db, 1)
	bs.Write(t, 10) // ten objects, one delivery each
	now := time.Now().Add(time.Hour)
	// Hold them all an hour on, as a completion does while the destination is down, but one
	// that stays leased.
	ds, err := db.ClaimDeliveries(ctx, shiftwire.ClaimQuery{Now: now, LeaseUntil: now.Add(time.Hour), Limit: 10})
	if err != nil || len(ds) != 10 {
		t.Fatalf("claimed %d, %v", len(ds), err)
	}
	var completions []shiftwire.Completion
	for _, c := range storetest.Succeeded(ds[1:], now) {
		c.Succeeded = false
		c.Attempt.Outcome, c.Attempt.NextAttemptAt = shiftwire.OutcomeFailed, now.Add(time.Hour)
		completions = append(completions, c)
	}
	if err := db.CompleteDeliveries(ctx, completions); err != nil {
		t.Fatal(err)
	}
	n, err := db.RetryDeliveries(ctx, bs.Tenant.ID, ds[0].WebhookID, now)
	if err != nil || n != 9 {
		t.Fatalf("RetryDeliveries = %d, %v; want the 9 held", n, err)
	}
	if due, err := db.ClaimDeliveries(ctx, shiftwire.ClaimQuery{Now: now, LeaseUntil: now.Add(time.Minute), Limit: 20}); err != nil || len(due) != 9 {
		t.Fatalf("due after retry: %d, %v; want 9", len(due), err)
	}
}

package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// TestClaimDropsOrphans checks that a delivery whose change is gone is dropped by the claim
// that picks it, and does not stop the others: left queued, it would head every claim.
func TestClaimDropsOrphans(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLite(t)
	bs := storetest.NewBenchStore(t, db, 1)
	bs.Write(t, 3) // versions 1 to 3, one delivery each
	if err := db.ExecWrite(ctx, `DELETE FROM changes WHERE version = 1`); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(time.Hour)
	ds, err := db.ClaimDeliveries(ctx, shiftwire.ClaimQuery{Now: now, LeaseUntil: now.Add(time.Minute), Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].Version != 2 || ds[1].Version != 3 {
		t.Fatalf("claimed %d deliveries, want versions 2 and 3", len(ds))
	}
	if b, err := db.Backlog(ctx, now); err != nil || b.Pending+b.Retrying+b.Sending != 2 {
		t.Fatalf("backlog %+v, %v; want the orphan gone", b, err)
	}
}

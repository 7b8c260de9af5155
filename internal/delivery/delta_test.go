package delivery_test

import (
	"context"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/delivery"
)

// TestMaintainKeepsWhatADeltaNeeds checks that the engine's pruning keeps the changes of an
// active delta past the retention, and retires the delta and drops them once it went unused
// for 72 hours.
func TestMaintainKeepsWhatADeltaNeeds(t *testing.T) {
	f := newFixture(t, delivery.Config{Retention: 24 * time.Hour})
	ctx := context.Background()
	d := &shiftwire.Delta{TenantID: f.tenant.ID, ClientID: "erp", Collection: shiftwire.Terminals, LastUsedAt: f.clock.Now()}
	if err := f.db.StartDelta(ctx, d); err != nil {
		t.Fatal(err)
	}
	f.put(f.tenant, shiftwire.Terminals, 1, 2)
	changes := func() int {
		cs, err := f.db.Changes(ctx, f.tenant.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}

	// Two days on, past the retention, the delta is used: its changes stay.
	f.clock.Advance(48 * time.Hour)
	d.LastUsedAt = f.clock.Now()
	if err := f.db.UseDelta(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := f.engine.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := changes(); n != 2 {
		t.Fatalf("%d changes after pruning, want the 2 the active delta needs", n)
	}

	f.clock.Advance(shiftwire.DeltaValidity + time.Minute)
	if err := f.engine.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Delta(ctx, f.tenant.ID, d.ID); shiftwire.ErrorCodeOf(err) != shiftwire.ENotFound {
		t.Fatalf("Delta after 72 hours unused = %v, want it retired", err)
	}
	if n := changes(); n != 0 {
		t.Fatalf("%d changes after the delta expired, want none", n)
	}
}

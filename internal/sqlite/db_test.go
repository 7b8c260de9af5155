package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) shiftwire.Store { return storetest.OpenSQLite(t) })
}

// TestConformanceShared runs the several-instances suite with the same store for every
// instance: SQLite serves one instance per database.
func TestConformanceShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T, n int) []shiftwire.Store {
		db := storetest.OpenSQLite(t)
		out := make([]shiftwire.Store, n)
		for i := range out {
			out[i] = db
		}
		return out
	})
}

func TestMigrateTwice(t *testing.T) {
	db := storetest.OpenSQLite(t)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestWriterKeepsTransactionsInMemory: the writer's transactions spill dirty pages to the
// log only past 2,048 of them, not past the 2 MiB cache, and its temporary storage stays
// the default (files), which bounds the memory of a statement that changes a whole queue.
func TestWriterKeepsTransactionsInMemory(t *testing.T) {
	db := storetest.OpenSQLite(t)
	for pragma, want := range map[string]int{"temp_store": 0, "cache_spill": 2048} {
		got, err := db.WritePragma(t.Context(), pragma)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("the write connection's %s is %d, want %d", pragma, got, want)
		}
	}
}

// TestAttemptsInsertFailsWhole: attempt records are inserted OR FAIL, without a statement
// journal; a failing row must still fail the batch and leave nothing written. (PostgreSQL
// takes a repeated attempt id as already written, for a commit whose answer was lost.)
func TestAttemptsInsertFailsWhole(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := t.Context()
	now := time.Now()
	attempt := func(id string) shiftwire.Completion {
		return shiftwire.Completion{Succeeded: true, Attempt: shiftwire.Attempt{
			ID: id, WebhookID: "hook", TenantID: 1, AttemptedAt: now, StatusCode: 200, Outcome: shiftwire.OutcomeSucceeded, Attempt: 1,
		}}
	}
	first, second := shiftwire.NewID(now), shiftwire.NewID(now.Add(time.Millisecond))
	if err := db.CompleteDeliveries(ctx, []shiftwire.Completion{attempt(first), attempt(second), attempt(first)}); err == nil {
		t.Fatal("a batch repeating an attempt id was written")
	}
	if got, err := db.Attempts(ctx, 1, "hook", "", 10); err != nil || len(got) != 0 {
		t.Fatalf("after the failed batch: %d attempts, %v; want none", len(got), err)
	}
	if err := db.CompleteDeliveries(ctx, []shiftwire.Completion{attempt(first), attempt(second)}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Attempts(ctx, 1, "hook", "", 10); err != nil || len(got) != 2 {
		t.Fatalf("after the batch: %d attempts, %v; want 2", len(got), err)
	}
}

package sqlite_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// TestStatements checks what Statements counts: each query and exec, prepared or not, and
// the begin and commit of a transaction, but not the preparing of a statement.
func TestStatements(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLite(t)
	tn := &shiftwire.Tenant{Name: "acme", TimeZone: shiftwire.DefaultTimeZone}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}

	before := db.Statements()
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if got := db.Statements() - before; got != 1 {
		t.Errorf("Ping ran %d statements, want 1", got)
	}

	// begin, read the version, put the object and its change (prepared), write the version
	// back, fan out, commit.
	before = db.Statements()
	err := db.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
		return tx.Put(ctx, &shiftwire.Object{Collection: shiftwire.BreakDefinitions, ID: 1, Data: json.RawMessage(`{"id":1}`)})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := db.Statements() - before; got != 7 {
		t.Errorf("a write of one object ran %d statements, want 7", got)
	}

	// A failed write counts its rollback.
	before = db.Statements()
	db.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error { return shiftwire.NotFound("no") })
	if got := db.Statements() - before; got != 3 {
		t.Errorf("a rolled back write ran %d statements, want 3 (begin, select, rollback)", got)
	}
}

package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
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

	// begin, read the version, put the object, replace its keys (none) and log its change
	// (prepared), write the version back, read the webhooks to fan out to (none), commit.
	before = db.Statements()
	err := db.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
		return tx.Put(ctx, &shiftwire.Object{Collection: shiftwire.BreakDefinitions, ID: 1, Data: json.RawMessage(`{"id":1}`)})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := db.Statements() - before; got != 8 {
		t.Errorf("a write of one object ran %d statements, want 8", got)
	}

	// A failed write counts its rollback.
	before = db.Statements()
	db.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error { return shiftwire.NotFound("no") })
	if got := db.Statements() - before; got != 3 {
		t.Errorf("a rolled back write ran %d statements, want 3 (begin, select, rollback)", got)
	}
}

// TestObjectByKeyStatements checks that a lookup by a key's value, such as an external
// reference, is one statement, found or not, however many objects the collection holds.
func TestObjectByKeyStatements(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLite(t)
	tn := &shiftwire.Tenant{Name: "acme", TimeZone: shiftwire.DefaultTimeZone}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	err := db.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
		for id := int64(1); id <= 1000; id++ {
			err := tx.Put(ctx, &shiftwire.Object{Collection: shiftwire.People, ID: id, Data: json.RawMessage(fmt.Sprintf(`{"id":%d}`, id)),
				Keys: []shiftwire.Key{{Name: shiftwire.RefBadgeNumber, Value: fmt.Sprintf("B%d", id)}}})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		value string
		id    int64
	}{{"B777", 777}, {"B1001", 0}} {
		before := db.Statements()
		o, err := db.ObjectByKey(ctx, tn.ID, shiftwire.People, shiftwire.RefBadgeNumber, tc.value)
		if got := db.Statements() - before; got != 1 {
			t.Errorf("ObjectByKey(%s) ran %d statements, want 1", tc.value, got)
		}
		switch {
		case tc.id == 0 && shiftwire.ErrorCodeOf(err) != shiftwire.ENotFound:
			t.Errorf("ObjectByKey(%s) = %v, %v; want ENotFound", tc.value, o, err)
		case tc.id != 0 && (err != nil || o.ID != tc.id || len(o.Keys) != 1):
			t.Errorf("ObjectByKey(%s) = %+v, %v; want object %d with its key", tc.value, o, err, tc.id)
		}
	}
}

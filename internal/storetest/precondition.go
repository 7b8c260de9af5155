package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/shiftwire/shiftwire"
)

// testSharedPreconditions sends, round after round, writes through both stores that all
// require the object's version of the round's start (If-Match): an object writer checks it
// in the write's transaction, so exactly one of them wins each round, whichever instance
// it runs on, and the others write nothing.
func testSharedPreconditions(t *testing.T, a, b shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, a, "acme")
	terminals, _ := shiftwire.CollectionByName(shiftwire.Terminals)
	write := func(s shiftwire.Store, name string, pre shiftwire.Precondition) error {
		rec, err := terminals.Decode([]byte(`{"name":"`+name+`"}`), 5)
		if err != nil {
			t.Fatal(err)
		}
		_, err = shiftwire.WriteObjects(ctx, s, tn.ID, func(w *shiftwire.ObjectWriter) error {
			_, _, err := w.Put(ctx, rec, pre)
			return err
		})
		return err
	}
	if err := write(a, "Gate", shiftwire.Precondition{IfNoneMatch: &shiftwire.Versions{Any: true}}); err != nil {
		t.Fatal(err)
	}
	const rounds, writers = 10, 6
	for round := range rounds {
		cur, err := b.Object(ctx, tn.ID, shiftwire.Terminals, 5)
		if err != nil {
			t.Fatal(err)
		}
		pre := shiftwire.Precondition{IfMatch: &shiftwire.Versions{List: []shiftwire.ChangeVersion{cur.Version}}}
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() { errs[i] = write([]shiftwire.Store{a, b}[i%2], "Writer", pre) })
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch shiftwire.ErrorCodeOf(err) {
			case "":
				won++
			case shiftwire.EConflict:
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d of %d writes requiring version %s won; want exactly one", round, won, writers, cur.Version)
		}
	}
	changes, err := a.Changes(ctx, tn.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1+rounds {
		t.Fatalf("%d changes, want %d: one per round and the first write", len(changes), 1+rounds)
	}
	// If-None-Match: * refuses to replace an object that exists.
	wantCode(t, write(b, "Again", shiftwire.Precondition{IfNoneMatch: &shiftwire.Versions{Any: true}}), shiftwire.EConflict)
}

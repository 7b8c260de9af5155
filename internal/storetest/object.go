package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/shiftwire/shiftwire"
)

// clocking is a clocking with the keys its list filters select on.
func clocking(id, person int64, date string) *shiftwire.Object {
	return &shiftwire.Object{
		Collection: shiftwire.Clockings, ID: id,
		Keys: []shiftwire.Key{{Name: "date", Value: date}, {Name: "kind", Value: "InOut"}, {Name: "person", Value: strconv.FormatInt(person, 10)}},
		Data: json.RawMessage(fmt.Sprintf(`{"id":%d,"person":{"id":%d},"date":%q,"kind":"InOut"}`, id, person, date)),
	}
}

func put(t *testing.T, s shiftwire.Store, tenantID int64, objects ...*shiftwire.Object) {
	t.Helper()
	err := s.Write(context.Background(), tenantID, func(tx shiftwire.WriteTx) error {
		for _, o := range objects {
			if err := tx.Put(context.Background(), o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func testObjectRoundTrip(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	c := clocking(7, 3, "2024-01-02")
	put(t, s, tn.ID, c)
	if c.Version == 0 {
		t.Fatal("Put did not set the version")
	}
	got, err := s.Object(ctx, tn.ID, shiftwire.Clockings, 7)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != c.Version || !slices.Equal(got.Keys, c.Keys) || string(got.Data) != string(c.Data) {
		t.Fatalf("Object = %+v, want %+v", got, c)
	}
	// A second Put replaces the object and its keys and takes a new version.
	c2 := clocking(7, 4, "2024-01-03")
	put(t, s, tn.ID, c2)
	got, _ = s.Object(ctx, tn.ID, shiftwire.Clockings, 7)
	if got.Version <= c.Version || !slices.Equal(got.Keys, c2.Keys) || string(got.Data) != string(c2.Data) {
		t.Fatalf("replaced Object = %+v, want %+v", got, c2)
	}
	_, err = s.Object(ctx, tn.ID, shiftwire.Contracts, 7)
	wantCode(t, err, shiftwire.ENotFound)
}

func testObjectDelete(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	put(t, s, tn.ID, clocking(1, 1, "2024-01-01"))
	if err := s.SetCustomReferences(ctx, tn.ID, shiftwire.Clockings, 1, map[string]string{"HR": "x"}); err != nil {
		t.Fatal(err)
	}
	var v shiftwire.ChangeVersion
	err := s.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) (err error) {
		v, err = tx.Delete(ctx, shiftwire.Clockings, 1)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Object(ctx, tn.ID, shiftwire.Clockings, 1)
	wantCode(t, err, shiftwire.ENotFound)
	changes, err := s.Changes(ctx, tn.ID, 0, 10)
	if err != nil || len(changes) != 2 {
		t.Fatalf("Changes = %v, %v", changes, err)
	}
	del := changes[1]
	if del.Version != v || del.Type != shiftwire.Delete || del.ObjectID != 1 || del.Data != nil {
		t.Fatalf("delete change = %+v", del)
	}
	refs, _ := s.CustomReferences(ctx, tn.ID, shiftwire.Clockings, []int64{1})
	if len(refs) != 0 {
		t.Fatalf("custom references survive the object: %v", refs)
	}
	err = s.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
		_, err := tx.Delete(ctx, shiftwire.Clockings, 1)
		return err
	})
	wantCode(t, err, shiftwire.ENotFound)
}

func testObjectList(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "beta")
	var objs []*shiftwire.Object
	for i := int64(1); i <= 30; i++ {
		objs = append(objs, clocking(i, i%3+1, fmt.Sprintf("2024-01-%02d", i)))
	}
	objs[4].Keys[1].Value = "Reason"
	put(t, s, tn.ID, objs...)
	put(t, s, other.ID, clocking(100, 1, "2024-01-05"))

	ids := func(q shiftwire.ObjectQuery) []int64 {
		t.Helper()
		q.Collection = shiftwire.Clockings
		list, err := s.ListObjects(ctx, tn.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, o := range list {
			out = append(out, o.ID)
		}
		return out
	}
	date := func(from, to string) shiftwire.KeyMatch { return shiftwire.KeyMatch{Name: "date", From: from, To: to} }
	in := func(name string, values ...string) shiftwire.KeyMatch {
		return shiftwire.KeyMatch{Name: name, In: append([]string{}, values...)}
	}
	where := func(ms ...shiftwire.KeyMatch) shiftwire.ObjectQuery { return shiftwire.ObjectQuery{Where: ms} }
	tests := []struct {
		name string
		q    shiftwire.ObjectQuery
		want []int64
	}{
		{"date range", where(date("2024-01-03", "2024-01-06")), []int64{3, 4, 5, 6}},
		{"date from", where(date("2024-01-28", "")), []int64{28, 29, 30}},
		{"date to", where(date("", "2024-01-02")), []int64{1, 2}},
		{"date eq", where(date("2024-01-07", "2024-01-07")), []int64{7}},
		{"has a date", shiftwire.ObjectQuery{Where: []shiftwire.KeyMatch{{Name: "date"}}, Limit: 2}, []int64{1, 2}},
		{"person", where(date("2024-01-01", "2024-01-09"), in("person", "1")), []int64{3, 6, 9}},
		{"persons", where(date("", "2024-01-06"), in("person", "1", "2")), []int64{1, 3, 4, 6}},
		{"kind", where(in("kind", "Reason")), []int64{5}},
		{"no such value", where(in("person", "9")), nil},
		{"empty list", where(in("person")), nil},
		{"no such key", where(in("colour", "red")), nil},
		{"page", shiftwire.ObjectQuery{AfterID: 10, Limit: 3}, []int64{11, 12, 13}},
		{"filtered page", shiftwire.ObjectQuery{Where: []shiftwire.KeyMatch{in("person", "2")}, AfterID: 10, Limit: 3}, []int64{13, 16, 19}},
	}
	for _, tt := range tests {
		if got := ids(tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("%s: ids = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func testWriteRollback(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	put(t, s, tn.ID, clocking(1, 1, "2024-01-01"))
	boom := errors.New("boom")
	err := s.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
		if err := tx.Put(ctx, clocking(2, 1, "2024-01-02")); err != nil {
			return err
		}
		if _, err := tx.Delete(ctx, shiftwire.Clockings, 1); err != nil {
			return err
		}
		return boom // a failure half-way through
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want boom", err)
	}
	changes, _ := s.Changes(ctx, tn.ID, 0, 10)
	if len(changes) != 1 {
		t.Fatalf("a rolled-back write left %d changes, want 1", len(changes)-1)
	}
	if _, err := s.Object(ctx, tn.ID, shiftwire.Clockings, 2); shiftwire.ErrorCodeOf(err) != shiftwire.ENotFound {
		t.Fatalf("a rolled-back insert is visible: %v", err)
	}
	if _, err := s.Object(ctx, tn.ID, shiftwire.Clockings, 1); err != nil {
		t.Fatalf("a rolled-back delete removed the object: %v", err)
	}
	// The next write continues right after the last committed version.
	c := clocking(3, 1, "2024-01-03")
	put(t, s, tn.ID, c)
	if c.Version != changes[0].Version+1 {
		t.Fatalf("version after rollback = %d, want %d", c.Version, changes[0].Version+1)
	}
}

func testNextID(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	put(t, s, tn.ID, clocking(41, 1, "2024-01-01"))
	var got []int64
	err := s.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
		for range 2 {
			id, err := tx.NextID(ctx, shiftwire.Clockings)
			if err != nil {
				return err
			}
			got = append(got, id)
			if err := tx.Put(ctx, clocking(id, 1, "2024-01-01")); err != nil {
				return err
			}
		}
		id, err := tx.NextID(ctx, shiftwire.Contracts)
		got = append(got, id)
		return err
	})
	if err != nil || !slices.Equal(got, []int64{42, 43, 1}) {
		t.Fatalf("NextID = %v, %v; want [42 43 1]", got, err)
	}
}

// testConcurrentVersions writes from many goroutines at once and checks that versions are
// unique, strictly increasing in commit order, and that their strings sort the same way.
func testConcurrentVersions(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	const writers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := int64(w*each + i + 1)
				err := s.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
					if err := tx.Put(ctx, clocking(id, 1, "2024-01-01")); err != nil {
						return err
					}
					// A second collection in the same transaction shares the counter.
					return tx.Put(ctx, &shiftwire.Object{Collection: shiftwire.People, ID: id, Data: json.RawMessage(`{"id":1}`)})
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	changes, err := s.Changes(ctx, tn.ID, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2*writers*each {
		t.Fatalf("%d changes, want %d", len(changes), 2*writers*each)
	}
	for i := 1; i < len(changes); i++ {
		a, b := changes[i-1], changes[i]
		if b.Version != a.Version+1 || a.Version.String() >= b.Version.String() {
			t.Fatalf("changes %d and %d: versions %s then %s", i-1, i, a.Version, b.Version)
		}
		if !b.CommittedAt.After(a.CommittedAt) && !b.CommittedAt.Equal(a.CommittedAt) {
			t.Fatalf("version %s committed before %s", b.Version, a.Version)
		}
	}
	// Each transaction's two changes are adjacent: no other writer took a version between.
	for i := 0; i < len(changes); i += 2 {
		if changes[i].Collection != shiftwire.Clockings || changes[i+1].ObjectID != changes[i].ObjectID {
			t.Fatalf("transaction split at version %s", changes[i].Version)
		}
	}
}

func testCustomReferences(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	put(t, s, tn.ID, &shiftwire.Object{Collection: shiftwire.People, ID: 5, Data: json.RawMessage(`{"id":5}`)})
	if err := s.SetCustomReferences(ctx, tn.ID, shiftwire.People, 5, map[string]string{"HRMID": "A-1", "PAYROLL": "P9"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCustomReferences(ctx, tn.ID, shiftwire.People, 5, map[string]string{"HRMID": "A-2"}); err != nil {
		t.Fatal(err)
	}
	refs, err := s.CustomReferences(ctx, tn.ID, shiftwire.People, []int64{5, 6})
	if err != nil || len(refs) != 1 || len(refs[5]) != 1 || refs[5]["HRMID"] != "A-2" {
		t.Fatalf("CustomReferences = %v, %v", refs, err)
	}
	o, err := s.ObjectByCustomReference(ctx, tn.ID, shiftwire.People, "HRMID", "A-2")
	if err != nil || o.ID != 5 {
		t.Fatalf("ObjectByCustomReference = %v, %v", o, err)
	}
	_, err = s.ObjectByCustomReference(ctx, tn.ID, shiftwire.People, "HRMID", "A-1")
	wantCode(t, err, shiftwire.ENotFound)
	wantCode(t, s.SetCustomReferences(ctx, tn.ID, shiftwire.People, 99, map[string]string{"X": "y"}), shiftwire.ENotFound)
}

// testWriteTxList checks that a transaction's List selects by keys like ListObjects and sees
// the transaction's own writes.
func testWriteTxList(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	put(t, s, tn.ID, clocking(1, 7, "2024-01-01"), clocking(2, 8, "2024-01-01"))
	err := s.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
		if err := tx.Put(ctx, clocking(3, 7, "2024-01-02")); err != nil {
			return err
		}
		got, err := tx.List(ctx, shiftwire.ObjectQuery{Collection: shiftwire.Clockings,
			Where: []shiftwire.KeyMatch{{Name: "person", In: []string{"7"}}}, Limit: 10})
		if err != nil {
			return err
		}
		var ids []int64
		for _, o := range got {
			ids = append(ids, o.ID)
		}
		if !slices.Equal(ids, []int64{1, 3}) {
			t.Errorf("List in the transaction = %v, want [1 3]", ids)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

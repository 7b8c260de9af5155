package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// deleteObject deletes one object in its own write.
func deleteObject(t *testing.T, s shiftwire.Store, tenantID int64, collection string, id int64) {
	t.Helper()
	err := s.Write(context.Background(), tenantID, func(tx shiftwire.WriteTx) error {
		_, err := tx.Delete(context.Background(), collection, id)
		return err
	})
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
}

// testDeltaChanges checks that a delta read gives each object of one collection once, at
// its last change in the range, in version order, and pages by version.
func testDeltaChanges(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "globex")
	put(t, s, tn.ID, clocking(1, 1, "2024-01-01"), clocking(2, 1, "2024-01-01"))
	start, err := s.LastChangeVersion(ctx, tn.ID)
	if err != nil || start != 2 {
		t.Fatalf("LastChangeVersion = %v, %v; want 2", start, err)
	}
	put(t, s, tn.ID, clocking(1, 1, "2024-01-02"))                             // 3
	put(t, s, tn.ID, clocking(3, 1, "2024-01-01"))                             // 4
	deleteObject(t, s, tn.ID, shiftwire.Clockings, 2)                          // 5
	put(t, s, tn.ID, &shiftwire.Object{Collection: shiftwire.Terminals, ID: 9, // 6: another collection
		Data: []byte(`{"id":9,"name":"door"}`)})
	put(t, s, tn.ID, clocking(1, 1, "2024-01-03")) // 7
	put(t, s, other.ID, clocking(1, 1, "2024-01-01"))
	last, _ := s.LastChangeVersion(ctx, tn.ID)
	if last != 7 {
		t.Fatalf("LastChangeVersion = %v, want 7", last)
	}

	got, err := s.DeltaChanges(ctx, tn.ID, shiftwire.Clockings, start, last, 10)
	if err != nil {
		t.Fatalf("DeltaChanges: %v", err)
	}
	type item struct {
		v  shiftwire.ChangeVersion
		id int64
		t  shiftwire.ChangeType
	}
	var items []item
	for _, c := range got {
		items = append(items, item{c.Version, c.ObjectID, c.Type})
	}
	want := []item{{4, 3, shiftwire.InsertOrUpdate}, {5, 2, shiftwire.Delete}, {7, 1, shiftwire.InsertOrUpdate}}
	if len(items) != len(want) {
		t.Fatalf("DeltaChanges = %v, want %v", items, want)
	}
	for i := range want {
		if items[i] != want[i] {
			t.Fatalf("DeltaChanges = %v, want %v", items, want)
		}
	}
	if string(got[2].Data) == "" || got[1].Data != nil {
		t.Fatalf("data: update %q, delete %q; want the latest state and none", got[2].Data, got[1].Data)
	}

	// Up to 6 the object 1 is last changed at 3; paging by version continues after the last.
	page, _ := s.DeltaChanges(ctx, tn.ID, shiftwire.Clockings, start, 6, 2)
	if len(page) != 2 || page[0].Version != 3 || page[1].Version != 4 {
		t.Fatalf("first page up to 6 = %v, want versions 3 and 4", page)
	}
	page, _ = s.DeltaChanges(ctx, tn.ID, shiftwire.Clockings, page[1].Version, 6, 2)
	if len(page) != 1 || page[0].Version != 5 {
		t.Fatalf("second page up to 6 = %v, want version 5", page)
	}
	if page, _ := s.DeltaChanges(ctx, tn.ID, shiftwire.Clockings, last, last, 10); len(page) != 0 {
		t.Fatalf("DeltaChanges after the last change = %v, want none", page)
	}
}

// testDeltas checks delta registrations: the cursor taken at start, one active delta per
// tenant, client and collection, use and retirement.
func testDeltas(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	put(t, s, tn.ID, clocking(1, 1, "2024-01-01"))
	now := time.Now().UTC().Truncate(time.Millisecond)
	d := &shiftwire.Delta{TenantID: tn.ID, ClientID: "erp", Collection: shiftwire.Clockings, LastUsedAt: now}
	if err := s.StartDelta(ctx, d); err != nil {
		t.Fatalf("StartDelta: %v", err)
	}
	if d.ID == 0 || d.Cursor != 1 {
		t.Fatalf("started delta = %+v, want an id and cursor 1", d)
	}
	got, err := s.Delta(ctx, tn.ID, d.ID)
	if err != nil || *got != *d {
		t.Fatalf("Delta = %+v, %v; want %+v", got, err, d)
	}
	other := mustTenant(t, s, "globex")
	_, err = s.Delta(ctx, other.ID, d.ID)
	wantCode(t, err, shiftwire.ENotFound)

	// Another client's and another collection's deltas stand beside it.
	e := &shiftwire.Delta{TenantID: tn.ID, ClientID: "payroll", Collection: shiftwire.Clockings, LastUsedAt: now}
	f := &shiftwire.Delta{TenantID: tn.ID, ClientID: "erp", Collection: shiftwire.Terminals, LastUsedAt: now}
	for _, x := range []*shiftwire.Delta{e, f} {
		if err := s.StartDelta(ctx, x); err != nil {
			t.Fatalf("StartDelta: %v", err)
		}
	}
	put(t, s, tn.ID, clocking(2, 1, "2024-01-01"))
	d2 := &shiftwire.Delta{TenantID: tn.ID, ClientID: "erp", Collection: shiftwire.Clockings, LastUsedAt: now}
	if err := s.StartDelta(ctx, d2); err != nil {
		t.Fatalf("StartDelta again: %v", err)
	}
	if d2.ID == d.ID || d2.Cursor != 2 {
		t.Fatalf("second delta = %+v, want a new id and cursor 2", d2)
	}
	_, err = s.Delta(ctx, tn.ID, d.ID)
	wantCode(t, err, shiftwire.ENotFound)
	wantCode(t, s.UseDelta(ctx, d), shiftwire.ENotFound)
	for _, x := range []*shiftwire.Delta{e, f, d2} {
		if _, err := s.Delta(ctx, tn.ID, x.ID); err != nil {
			t.Fatalf("delta %d after another client's start: %v", x.ID, err)
		}
	}

	d2.Cursor, d2.LastUsedAt = 2, now.Add(time.Hour)
	if err := s.UseDelta(ctx, d2); err != nil {
		t.Fatalf("UseDelta: %v", err)
	}
	if got, _ := s.Delta(ctx, tn.ID, d2.ID); got == nil || *got != *d2 {
		t.Fatalf("Delta after use = %+v, want %+v", got, d2)
	}
	n, err := s.RetireDeltas(ctx, now.Add(time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("RetireDeltas = %d, %v; want the 2 unused ones", n, err)
	}
	if _, err := s.Delta(ctx, tn.ID, d2.ID); err != nil {
		t.Fatalf("the used delta was retired: %v", err)
	}
}

// testPruneDeltas checks that pruning keeps the changes an active delta still needs, and
// drops them once the delta is retired.
func testPruneDeltas(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	put(t, s, tn.ID, clocking(1, 1, "2024-01-01"))
	now := time.Now()
	d := &shiftwire.Delta{TenantID: tn.ID, ClientID: "erp", Collection: shiftwire.Clockings, LastUsedAt: now}
	if err := s.StartDelta(ctx, d); err != nil {
		t.Fatalf("StartDelta: %v", err)
	}
	put(t, s, tn.ID, clocking(2, 1, "2024-01-01"), clocking(3, 1, "2024-01-01"))
	put(t, s, tn.ID, &shiftwire.Object{Collection: shiftwire.Terminals, ID: 9, Data: []byte(`{"id":9,"name":"door"}`)})

	n, err := s.Prune(ctx, later().Add(time.Hour), 100)
	if err != nil || n != 2 {
		t.Fatalf("Prune = %d, %v; want the change before the cursor and the other collection's", n, err)
	}
	got, _ := s.DeltaChanges(ctx, tn.ID, shiftwire.Clockings, d.Cursor, 4, 10)
	if len(got) != 2 {
		t.Fatalf("the delta's changes after pruning = %v, want both", got)
	}
	if n, err := s.RetireDeltas(ctx, now.Add(shiftwire.DeltaValidity)); err != nil || n != 1 {
		t.Fatalf("RetireDeltas = %d, %v; want 1", n, err)
	}
	if n, err := s.Prune(ctx, later().Add(time.Hour), 100); err != nil || n != 2 {
		t.Fatalf("Prune after expiry = %d, %v; want the 2 changes the delta kept", n, err)
	}
}

package shiftwire_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/shiftwire/shiftwire"
)

func readClocking(t *testing.T, s shiftwire.Store, tn *shiftwire.Tenant, id int64) (*shiftwire.Clocking, *shiftwire.Object) {
	t.Helper()
	o, err := s.Object(context.Background(), tn.ID, shiftwire.Clockings, id)
	if err != nil {
		t.Fatal(err)
	}
	var c shiftwire.Clocking
	if err := json.Unmarshal(o.Data, &c); err != nil {
		t.Fatal(err)
	}
	return &c, o
}

// TestClockingEditKeepsOriginalTime follows Protime: originalTimeOfDayInMinutes appears on
// the first edit of the time, holding the time before it, and keeps that value afterwards.
func TestClockingEditKeepsOriginalTime(t *testing.T) {
	s, tn := openStore(t)
	seedReferences(t, s, tn)
	const at = `{"id":1,"person":{"id":1},"date":"2024-01-02","kind":"InOut","timeOfDayInMinutes":`
	steps := []struct {
		time     string
		original any // nil while the clocking was never edited
	}{
		{"480", nil},
		{"480", nil}, // saved again with the same time: not an edit of the time
		{"485", 480},
		{"490", 480},
		{"480", 480},
	}
	for i, st := range steps {
		o := save(t, s, tn, shiftwire.Clockings, at+st.time+`}`)[0]
		var m map[string]any
		json.Unmarshal(o.Data, &m)
		got, has := m["originalTimeOfDayInMinutes"]
		if st.original == nil && has || st.original != nil && got != float64(st.original.(int)) {
			t.Fatalf("step %d: originalTimeOfDayInMinutes = %v (present %v), want %v", i, got, has, st.original)
		}
		if m["calculatedTimeOfDayInMinutes"] != m["timeOfDayInMinutes"] || m["isGenerated"] != false || m["status"] != "Active" {
			t.Fatalf("step %d: computed fields wrong: %s", i, o.Data)
		}
	}
}

// TestClockingDeleteIsSoft checks that deleting a clocking keeps it with status Deleted, as
// an InsertOrUpdate change, that a second delete changes nothing, and that a PUT brings it
// back.
func TestClockingDeleteIsSoft(t *testing.T) {
	ctx := context.Background()
	s, tn := openStore(t)
	seedReferences(t, s, tn)
	save(t, s, tn, shiftwire.Clockings, `{"id":3,"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":480,"kind":"InOut"}`)
	del := func() error {
		_, err := shiftwire.WriteObjects(ctx, s, tn.ID, func(w *shiftwire.ObjectWriter) error {
			return w.Delete(ctx, shiftwire.Clockings, 3)
		})
		return err
	}
	before := len(changes(t, s, tn))
	if err := del(); err != nil {
		t.Fatal(err)
	}
	c, o := readClocking(t, s, tn, 3)
	cs := changes(t, s, tn)
	// The delete's own change comes first; the recalculated day's follow it.
	first := cs[before]
	if c.Status != shiftwire.ClockingDeleted || first.Collection != shiftwire.Clockings || first.Type != shiftwire.InsertOrUpdate ||
		first.Version != o.Version || string(first.Data) != string(o.Data) {
		t.Fatalf("after delete: %s, its change %+v", o.Data, first)
	}
	after := len(cs)
	if err := del(); err != nil || len(changes(t, s, tn)) != after {
		t.Fatalf("deleting a deleted clocking: %v, %d changes, want %d", err, len(changes(t, s, tn)), after)
	}
	save(t, s, tn, shiftwire.Clockings, `{"id":3,"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":480,"kind":"InOut"}`)
	if c, _ := readClocking(t, s, tn, 3); c.Status != shiftwire.ClockingActive {
		t.Fatalf("a PUT of a deleted clocking left status %s", c.Status)
	}
	_, err := shiftwire.WriteObjects(ctx, s, tn.ID, func(w *shiftwire.ObjectWriter) error {
		return w.Delete(ctx, shiftwire.Clockings, 99)
	})
	if shiftwire.ErrorCodeOf(err) != shiftwire.ENotFound {
		t.Fatalf("deleting a missing clocking: %v", err)
	}
}

// TestClockingFilterKeys checks the keys list reads select clockings by.
func TestClockingFilterKeys(t *testing.T) {
	s, tn := openStore(t)
	seedReferences(t, s, tn)
	o := save(t, s, tn, shiftwire.Clockings, `{"person":{"id":2},"date":"2024-03-04","timeOfDayInMinutes":0,"kind":"ActivityEnd"}`)[0]
	want := []shiftwire.Key{{Name: "date", Value: "2024-03-04"}, {Name: "person", Value: "2"}, {Name: "kind", Value: "ActivityEnd"}}
	if !slices.Equal(o.Keys, want) {
		t.Fatalf("keys = %v, want %v", o.Keys, want)
	}
	q, err := collectionType(t, shiftwire.Clockings).Query("date eq '2024-03-04' and kind eq 'ActivityEnd' and person eq 2")
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.ListObjects(context.Background(), tn.ID, q)
	if err != nil || len(list) != 1 || list[0].ID != o.ID {
		t.Fatalf("ListObjects = %v, %v", list, err)
	}
}

package shiftwire_test

import (
	"context"
	"slices"
	"testing"

	"github.com/shiftwire/shiftwire"
)

// TestSavingAbsenceGroupResavesAll follows the seed document: saving one absence group saves
// all of them, so each gets a change with a new changeVersion, the edited one with its new
// content.
func TestSavingAbsenceGroupResavesAll(t *testing.T) {
	ctx := context.Background()
	s, tn := openStore(t)
	save(t, s, tn, shiftwire.AbsenceGroups,
		`{"id":1,"name":{"default":"Sickness"},"type":"Absence"}`,
		`{"id":2,"name":{"default":"Holiday"},"type":"Absence"}`,
		`{"id":3,"name":{"default":"Training"},"type":"WorkingElsewhere"}`)
	cs := changes(t, s, tn)
	if len(cs) != 3 {
		t.Fatalf("saving three groups in one request made %d changes, want 3 (each saved once)", len(cs))
	}
	mark := cs[len(cs)-1].Version

	sum, err := shiftwire.WriteObjects(ctx, s, tn.ID, func(w *shiftwire.ObjectWriter) error {
		_, _, err := w.Put(ctx, decode(t, shiftwire.AbsenceGroups, `{"id":2,"name":{"default":"Annual leave"},"type":"Absence"}`))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := s.Changes(ctx, tn.ID, mark, 100)
	var ids []int64
	for _, c := range after {
		ids = append(ids, c.ObjectID)
		if c.Type != shiftwire.InsertOrUpdate || c.Version <= mark {
			t.Fatalf("change %+v", c)
		}
	}
	if !slices.Equal(ids, []int64{2, 1, 3}) || sum.Changes != 3 {
		t.Fatalf("changes after saving group 2 are for %v (%d), want [2 1 3]: the saved one, then the others", ids, sum.Changes)
	}
	if string(after[0].Data) != `{"id":2,"name":{"default":"Annual leave","translations":{}},"type":"Absence"}` {
		t.Fatalf("the saved group's change holds %s", after[0].Data)
	}
	for _, id := range []int64{1, 3} {
		o, _ := s.Object(ctx, tn.ID, shiftwire.AbsenceGroups, id)
		if o.Version <= mark {
			t.Fatalf("group %d kept version %s", id, o.Version)
		}
	}

	// Deleting a group removes it without re-saving the others.
	mark = after[len(after)-1].Version
	_, err = shiftwire.WriteObjects(ctx, s, tn.ID, func(w *shiftwire.ObjectWriter) error {
		return w.Delete(ctx, shiftwire.AbsenceGroups, 3)
	})
	if after, _ := s.Changes(ctx, tn.ID, mark, 100); err != nil || len(after) != 1 || after[0].Type != shiftwire.Delete {
		t.Fatalf("delete of a group: %v, changes %+v", err, after)
	}
}

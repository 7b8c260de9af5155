package shiftwire_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/shiftwire/shiftwire"
)

// TestExamplesRoundTrip writes every collection's declared Example, as object 1, in an order
// where what it refers to exists, reads it back as it was written, and finds it again with
// each of its list filters: the round trip every new declaration gets for free.
func TestExamplesRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, tn := openStore(t)
	for _, ct := range shiftwire.CollectionsByDependency() {
		r, err := ct.Decode([]byte(ct.Example), 1)
		if err != nil {
			t.Fatalf("%s: the example does not decode: %v", ct.Name, err)
		}
		var saved *shiftwire.Object
		_, err = shiftwire.WriteObjects(ctx, s, tn.ID, func(w *shiftwire.ObjectWriter) error {
			saved, _, err = w.Put(ctx, r)
			return err
		})
		if err != nil {
			t.Fatalf("%s: writing the example: %v", ct.Name, err)
		}
		got, err := s.Object(ctx, tn.ID, ct.Name, 1)
		if err != nil || string(got.Data) != string(saved.Data) {
			t.Fatalf("%s: read back %s, %v; want %s", ct.Name, got.Data, err, saved.Data)
		}
		for _, f := range ct.Filters {
			q, err := ct.Query(filterFor(t, ct, f, saved.Data))
			if err != nil {
				t.Fatalf("%s: %v", ct.Name, err)
			}
			found, err := s.ListObjects(ctx, tn.ID, q)
			if err != nil || len(found) != 1 {
				t.Fatalf("%s: filter on %s finds %d objects, %v; want the example", ct.Name, f.Name, len(found), err)
			}
		}
	}
}

// filterFor returns a filter on f that selects the object data, together with the date
// range the collection requires, if any, on the object's own date.
func filterFor(t *testing.T, ct *shiftwire.CollectionType, f shiftwire.ListFilter, data []byte) string {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	condition := func(f shiftwire.ListFilter) string {
		var v any = m
		for _, part := range strings.Split(f.Field, ".") {
			v = v.(map[string]any)[part]
		}
		if f.Kind == shiftwire.FilterIDs {
			return f.Name + " eq " + strconv.FormatFloat(v.(float64), 'f', -1, 64)
		}
		return f.Name + " eq '" + v.(string) + "'"
	}
	filter := condition(f)
	for _, other := range ct.Filters {
		if other.Name != f.Name && other.Range == shiftwire.RequiredYearRange {
			filter += " and " + condition(other)
		}
	}
	return filter
}

package shiftwire_test

import (
	"context"
	"slices"
	"testing"

	"github.com/shiftwire/shiftwire"
)

// TestContractAddendum checks the rules on an addendum's parent: an existing contract of
// kind Contract of the same person.
func TestContractAddendum(t *testing.T) {
	ctx := context.Background()
	s, tn := openStore(t)
	seedReferences(t, s, tn)
	save(t, s, tn, shiftwire.Contracts,
		`{"id":1,"person":{"id":1},"code":"FT","from":"2024-01-01","kind":"Contract"}`,
		`{"id":2,"person":{"id":1},"from":"2024-06-01","kind":"Addendum","parentContract":{"id":1}}`,
		`{"id":3,"person":{"id":2},"from":"2024-01-01"}`)
	tests := []struct {
		body string
		want []string
	}{
		{`{"id":4,"person":{"id":1},"from":"2024-07-01","kind":"Addendum","parentContract":{"id":2}}`, []string{"parentContract.id"}},
		{`{"id":4,"person":{"id":1},"from":"2024-07-01","kind":"Addendum","parentContract":{"id":3}}`, []string{"parentContract.id"}},
		{`{"id":4,"person":{"id":1},"from":"2024-07-01","kind":"Addendum","parentContract":{"id":4}}`, []string{"parentContract.id"}},
		{`{"id":4,"person":{"id":2},"from":"2024-07-01","kind":"Addendum","parentContract":{"id":3}}`, nil},
	}
	for _, tt := range tests {
		_, err := shiftwire.WriteObjects(ctx, s, tn.ID, func(w *shiftwire.ObjectWriter) error {
			_, _, err := w.Put(ctx, decode(t, shiftwire.Contracts, tt.body))
			return err
		})
		if got := fieldsOf(err); !slices.Equal(got, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s: %v, want problems on %q", tt.body, err, tt.want)
		}
	}
	o, _ := s.Object(ctx, tn.ID, shiftwire.Contracts, 2)
	if string(o.Data) != `{"id":2,"person":{"id":1},"from":"2024-06-01","contractHoursInMinutes":0,"fullTimeEquivalentInMinutes":0,"contractPercentage":0,"numberOfWorkingDaysPerWeek":0,"numberOfDaysInContractPeriod":0,"kind":"Addendum","parentContract":{"id":1}}` {
		t.Fatalf("addendum stored as %s", o.Data)
	}
	q, err := collectionType(t, shiftwire.Contracts).Query("person eq 1")
	if err != nil {
		t.Fatal(err)
	}
	if found, err := s.ListObjects(ctx, tn.ID, q); err != nil || !slices.ContainsFunc(found, func(o *shiftwire.Object) bool { return o.ID == 2 }) {
		t.Fatalf("person eq 1 finds %v, %v; want the addendum among them", found, err)
	}
}

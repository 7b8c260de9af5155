package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/shiftwire/shiftwire"
)

// OldObject is an object as the stores kept it before migration 5, with the keys of list
// filters in columns of their own.
type OldObject struct {
	Collection string
	ID         int64
	PersonID   int64  // 0 for NULL
	Date, Kind string // "" for NULL
	Data       string
}

// OldChange is a change-log entry as the stores kept it before migration 5.
type OldChange struct {
	Version    int64
	Collection string
	ObjectID   int64
	Type       shiftwire.ChangeType
	Data       string // "" for NULL, a Delete
}

// OldObjects and OldChanges are what a store's migration test writes, for one tenant, into a
// database at migration 4; CheckMigratedKeys checks what migration 5 made of them.
var (
	OldObjects = []OldObject{
		{shiftwire.Clockings, 1, 7, "2024-03-01", "InOut", `{"id":1,"person":{"id":7},"date":"2024-03-01","kind":"InOut"}`},
		{shiftwire.Clockings, 2, 12, "2024-03-02", "Reason", `{"id":2,"person":{"id":12},"date":"2024-03-02","kind":"Reason"}`},
		{shiftwire.Contracts, 1, 7, "", "", `{"id":1,"person":{"id":7},"code":"FT"}`},
		{shiftwire.People, 7, 0, "", "", `{"id":7,"lastName":"Peeters","badgeNumber":"B-7","employeeNumber":"E-7"}`},
		{shiftwire.People, 12, 0, "", "", `{"id":12,"lastName":"Janssens","badgeNumber":"","employeeNumber":"E-12"}`},
		{shiftwire.People, 13, 0, "", "", `{"id":13,"lastName":"Claes"}`},
		{shiftwire.People, 14, 0, "", "", `{"id":14,"firstName":"\"badgeNumber\":\"X\"","lastName":"Wouters \u0000","badgeNumber":"A\u0026B \"7\" \\"}`},
		{shiftwire.Terminals, 1, 0, "", "", `{"id":1,"name":"Front door","externalCode":"T-1"}`},
		{shiftwire.ActivityDefinitions, 1, 0, "", "", `{"id":1,"name":{"default":"Assembly","translations":{}},"dataEntryCode":"ASM","externalReference":"X-ASM"}`},
		{shiftwire.AbsenceDefinitions, 1, 0, "", "", `{"id":1,"name":{"default":"Dokter – \"ziekte\" \\ \u0000","translations":{"fr":"Médecin"}},"absenceCode":"DOC","isReasonForClocking":true}`},
		{shiftwire.AbsenceDefinitions, 2, 0, "", "", `{"id":2,"name":{"default":"Verlof","translations":{}},"isReasonForClocking":false}`},
		{shiftwire.BreakDefinitions, 1, 0, "", "", `{"id":1,"name":{"default":"Lunch","translations":{}}}`},
	}
	OldChanges = []OldChange{
		{1, shiftwire.AbsenceDefinitions, 1, shiftwire.InsertOrUpdate, `{"id":1,"name":{"default":"Dokter – \"ziekte\" \\ \u0000","translations":{"fr":"Médecin"}},"absenceCode":"DOC","isReasonForClocking":true}`},
		{2, shiftwire.AbsenceDefinitions, 3, shiftwire.Delete, ""},
		{3, shiftwire.Clockings, 1, shiftwire.InsertOrUpdate, `{"id":1,"absenceCode":"not an absence definition"}`},
	}
)

// CheckMigratedKeys checks that migration 5 turned the columns of OldObjects into keys,
// added the predefined external references their JSON holds, and renamed the absence
// definitions' absenceCode to code, in the objects and in the change log, and nowhere else.
func CheckMigratedKeys(t *testing.T, s shiftwire.Store, tenantID int64) {
	t.Helper()
	ctx := context.Background()
	wantKeys := map[string]map[int64][]shiftwire.Key{
		shiftwire.Clockings: {
			1: {{Name: "date", Value: "2024-03-01"}, {Name: "kind", Value: "InOut"}, {Name: "person", Value: "7"}},
			2: {{Name: "date", Value: "2024-03-02"}, {Name: "kind", Value: "Reason"}, {Name: "person", Value: "12"}},
		},
		shiftwire.Contracts: {1: {{Name: "person", Value: "7"}}},
		shiftwire.People: {
			7:  {{Name: "@badge-number", Value: "B-7"}, {Name: "@employee-number", Value: "E-7"}},
			12: {{Name: "@employee-number", Value: "E-12"}},
			13: nil,
			14: {{Name: "@badge-number", Value: `A&B "7" \`}},
		},
		shiftwire.Terminals:           {1: {{Name: "@external-code", Value: "T-1"}}},
		shiftwire.ActivityDefinitions: {1: {{Name: "@data-entry-code", Value: "ASM"}, {Name: "@external-reference", Value: "X-ASM"}}},
		shiftwire.AbsenceDefinitions:  {1: {{Name: "@absence-code", Value: "DOC"}}, 2: nil},
		shiftwire.BreakDefinitions:    {1: nil},
	}
	renamed := `{"id":1,"name":{"default":"Dokter – \"ziekte\" \\ \u0000","translations":{"fr":"Médecin"}},"code":"DOC","isReasonForClocking":true}`
	for _, old := range OldObjects {
		o, err := s.Object(ctx, tenantID, old.Collection, old.ID)
		if err != nil {
			t.Fatalf("%s %d: %v", old.Collection, old.ID, err)
		}
		if want := wantKeys[old.Collection][old.ID]; !slices.Equal(o.Keys, want) {
			t.Errorf("%s %d: keys %v, want %v", old.Collection, old.ID, o.Keys, want)
		}
		want := old.Data
		if old.Collection == shiftwire.AbsenceDefinitions && old.ID == 1 {
			want = renamed
		}
		if string(o.Data) != want {
			t.Errorf("%s %d: data\n %s\nwant\n %s", old.Collection, old.ID, o.Data, want)
		}
	}
	changes, err := s.Changes(ctx, tenantID, 0, 10)
	if err != nil || len(changes) != len(OldChanges) {
		t.Fatalf("Changes = %d, %v", len(changes), err)
	}
	for i, want := range []string{renamed, "", OldChanges[2].Data} {
		if string(changes[i].Data) != want {
			t.Errorf("change %d: data %s, want %s", changes[i].Version, changes[i].Data, want)
		}
	}

	// The keys work as the new ones do.
	list := func(where ...shiftwire.KeyMatch) []int64 {
		t.Helper()
		objs, err := s.ListObjects(ctx, tenantID, shiftwire.ObjectQuery{Collection: shiftwire.Clockings, Where: where})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, o := range objs {
			ids = append(ids, o.ID)
		}
		return ids
	}
	if got := list(shiftwire.KeyMatch{Name: "date", From: "2024-03-01", To: "2024-03-31"}, shiftwire.KeyMatch{Name: "person", In: []string{"12"}}); !slices.Equal(got, []int64{2}) {
		t.Errorf("clockings of person 12 in March = %v", got)
	}
	if got := list(shiftwire.KeyMatch{Name: "kind", In: []string{"InOut"}}); !slices.Equal(got, []int64{1}) {
		t.Errorf("InOut clockings = %v", got)
	}
	for _, k := range []struct {
		collection, name, value string
		id                      int64
	}{
		{shiftwire.People, "@badge-number", "B-7", 7},
		{shiftwire.People, "@employee-number", "E-12", 12},
		{shiftwire.AbsenceDefinitions, "@absence-code", "DOC", 1},
	} {
		if o, err := s.ObjectByKey(ctx, tenantID, k.collection, k.name, k.value); err != nil || o.ID != k.id {
			t.Errorf("ObjectByKey(%s, %s, %s) = %v, %v; want %d", k.collection, k.name, k.value, o, err, k.id)
		}
	}
}

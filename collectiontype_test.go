package shiftwire_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/masterkey"
	"github.com/shiftwire/shiftwire/internal/sqlite"
)

// openStore opens a fresh SQLite store with one tenant.
func openStore(tb testing.TB) (shiftwire.Store, *shiftwire.Tenant) {
	tb.Helper()
	key := make(shiftwire.Secret, 32)
	rand.Read(key)
	box, err := masterkey.NewBox(key)
	if err != nil {
		tb.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "shiftwire.db"), box)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	tn := &shiftwire.Tenant{Name: "acme", TimeZone: shiftwire.DefaultTimeZone}
	if err := db.CreateTenant(context.Background(), tn); err != nil {
		tb.Fatal(err)
	}
	return db, tn
}

func collectionType(tb testing.TB, name string) *shiftwire.CollectionType {
	tb.Helper()
	ct, ok := shiftwire.CollectionByName(name)
	if !ok {
		tb.Fatalf("no collection type %s", name)
	}
	return ct
}

// decode decodes body as a write of collection.
func decode(tb testing.TB, collection, body string) shiftwire.Record {
	tb.Helper()
	r, err := collectionType(tb, collection).Decode([]byte(body), 0)
	if err != nil {
		tb.Fatalf("Decode(%s, %s): %v", collection, body, err)
	}
	return r
}

// save writes the bodies, each a write of collection, in one transaction.
func save(tb testing.TB, s shiftwire.Store, tn *shiftwire.Tenant, collection string, bodies ...string) []*shiftwire.Object {
	tb.Helper()
	var out []*shiftwire.Object
	_, err := shiftwire.WriteObjects(context.Background(), s, tn.ID, func(w *shiftwire.ObjectWriter) error {
		for _, b := range bodies {
			o, _, err := w.Put(context.Background(), decode(tb, collection, b))
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("write %s: %v", collection, err)
	}
	return out
}

// changes returns the whole change log of tn.
func changes(tb testing.TB, s shiftwire.Store, tn *shiftwire.Tenant) []shiftwire.Change {
	tb.Helper()
	cs, err := s.Changes(context.Background(), tn.ID, 0, 1_000_000)
	if err != nil {
		tb.Fatal(err)
	}
	return cs
}

// fieldsOf returns the fields of err's ValidationErrors.
func fieldsOf(err error) []string {
	var verrs shiftwire.ValidationErrors
	if !errors.As(err, &verrs) {
		return nil
	}
	var out []string
	for _, v := range verrs {
		out = append(out, v.Field)
	}
	return out
}

// seedReferences creates the objects the test bodies refer to: people 1 and 2, terminal 1,
// activity definition 1, absence definition 1.
func seedReferences(tb testing.TB, s shiftwire.Store, tn *shiftwire.Tenant) {
	tb.Helper()
	save(tb, s, tn, shiftwire.People,
		`{"id":1,"firstName":"An","lastName":"Peeters","badgeNumber":"6767676","employeeNumber":"E-1","email":"an@example.com"}`,
		`{"id":2,"firstName":"Bart","lastName":"Claes"}`)
	save(tb, s, tn, shiftwire.Terminals, `{"id":1,"name":"Front door","externalCode":"T-FRONT"}`)
	save(tb, s, tn, shiftwire.ActivityDefinitions, `{"id":1,"name":{"default":"Assembly"},"dataEntryCode":"ASM","externalReference":"X-ASM"}`)
	save(tb, s, tn, shiftwire.AbsenceDefinitions, `{"id":1,"name":{"default":"Doctor"},"code":"DOC","isReasonForClocking":true}`)
}

// TestDecodeRendersSeedFields writes one full object of every collection and checks that it
// is stored with exactly the fields of the seed documents and SPEC, in their order.
func TestDecodeRendersSeedFields(t *testing.T) {
	tests := []struct {
		collection, body, want string
	}{
		{shiftwire.BreakDefinitions,
			`{"name":{"default":"Lunch","translations":{"nl":"Middagpauze","fr":"Pause de midi"}},"friendlyName":{"default":"Lunch break","translations":{"en":"Lunch break"}},"paidDurationInMinutes":15,"minimumDurationInMinutes":30,"maximumDurationInMinutes":60,"ifNotClockedDurationInMinutes":30,"hasToBeTakenUninterrupted":true}`,
			`{"id":1,"name":{"default":"Lunch","translations":{"fr":"Pause de midi","nl":"Middagpauze"}},"friendlyName":{"default":"Lunch break","translations":{"en":"Lunch break"}},"paidDurationInMinutes":15,"minimumDurationInMinutes":30,"maximumDurationInMinutes":60,"ifNotClockedDurationInMinutes":30,"hasToBeTakenUninterrupted":true}`},
		{shiftwire.Contracts,
			`{"person":{"id":1},"code":"FT-38","from":"2024-01-01","until":"2024-12-31","contractHoursInMinutes":2280,"fullTimeEquivalentInMinutes":2280,"contractPercentage":100,"numberOfWorkingDaysPerWeek":5,"numberOfDaysInContractPeriod":7,"kind":"Contract"}`,
			`{"id":1,"person":{"id":1},"code":"FT-38","from":"2024-01-01","until":"2024-12-31","contractHoursInMinutes":2280,"fullTimeEquivalentInMinutes":2280,"contractPercentage":100,"numberOfWorkingDaysPerWeek":5,"numberOfDaysInContractPeriod":7,"kind":"Contract"}`},
		{shiftwire.AbsenceGroups,
			`{"name":{"default":"Sickness","translations":{"nl":"Ziekte"}},"type":"Absence"}`,
			`{"id":1,"name":{"default":"Sickness","translations":{"nl":"Ziekte"}},"type":"Absence"}`},
		{shiftwire.Clockings,
			`{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":480,"terminal":{"id":1},"geolocation":{"longitude":4.3517,"latitude":50.8503},"kind":"Reason","reason":{"id":1}}`,
			`{"id":1,"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":480,"calculatedTimeOfDayInMinutes":480,"isGenerated":false,"terminal":{"id":1},"geolocation":{"longitude":4.3517,"latitude":50.8503},"kind":"Reason","reason":{"id":1},"isOpen":false,"status":"Active"}`},
		{shiftwire.Clockings,
			`{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":540,"kind":"Activity","activityLevels":[{"level":1,"activityDefinition":{"id":1}}]}`,
			`{"id":2,"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":540,"calculatedTimeOfDayInMinutes":540,"isGenerated":false,"kind":"Activity","activityLevels":[{"level":1,"activityDefinition":{"id":1}}],"status":"Active"}`},
		{shiftwire.People,
			`{"firstName":"Cis","lastName":"Janssens","badgeNumber":"100","employeeNumber":"E-100","email":"cis@example.com"}`,
			`{"id":3,"lastName":"Janssens","firstName":"Cis","email":"cis@example.com","employeeNumber":"E-100","badgeNumber":"100"}`},
		{shiftwire.Terminals,
			`{"name":"Warehouse","externalCode":"T-WH"}`,
			`{"id":2,"name":"Warehouse","externalCode":"T-WH"}`},
		{shiftwire.ActivityDefinitions,
			`{"name":{"default":"Packing","translations":{"nl":"Inpakken"}},"dataEntryCode":"PCK","externalReference":"X-PCK"}`,
			`{"id":2,"name":{"default":"Packing","translations":{"nl":"Inpakken"}},"dataEntryCode":"PCK","externalReference":"X-PCK"}`},
		{shiftwire.AbsenceDefinitions,
			`{"name":{"default":"Holiday"},"code":"HOL","isReasonForClocking":false}`,
			`{"id":2,"name":{"default":"Holiday","translations":{}},"code":"HOL","friendlyName":{"default":"Holiday","translations":{}},"friendlyCode":{"default":"HOL","translations":{}},"isEnabled":true,"isReasonForClocking":false}`},
	}
	s, tn := openStore(t)
	seedReferences(t, s, tn)
	for _, tt := range tests {
		t.Run(tt.collection, func(t *testing.T) {
			o := save(t, s, tn, tt.collection, tt.body)[0]
			if string(o.Data) != tt.want {
				t.Errorf("stored\n%s\nwant\n%s", o.Data, tt.want)
			}
			got, err := s.Object(context.Background(), tn.ID, tt.collection, o.ID)
			if err != nil || string(got.Data) != tt.want || got.Version != o.Version {
				t.Errorf("read back %s, %v", got.Data, err)
			}
		})
	}
}

// TestDecodeDefaults checks what the server fills in when optional fields are left out.
func TestDecodeDefaults(t *testing.T) {
	tests := []struct {
		collection, body, want string
	}{
		{shiftwire.BreakDefinitions, `{"name":{"default":"Coffee"},"minimumDurationInMinutes":10}`,
			`{"id":0,"name":{"default":"Coffee","translations":{}},"friendlyName":{"default":"Coffee","translations":{}},"paidDurationInMinutes":0,"minimumDurationInMinutes":10,"maximumDurationInMinutes":10,"ifNotClockedDurationInMinutes":10,"hasToBeTakenUninterrupted":false}`},
		{shiftwire.Contracts, `{"person":{"id":1},"from":"2024-01-01","contractHoursInMinutes":1824,"fullTimeEquivalentInMinutes":2280}`,
			`{"id":0,"person":{"id":1},"from":"2024-01-01","contractHoursInMinutes":1824,"fullTimeEquivalentInMinutes":2280,"contractPercentage":80,"numberOfWorkingDaysPerWeek":0,"numberOfDaysInContractPeriod":0,"kind":"Contract"}`},
		{shiftwire.People, `{"lastName":"Solo"}`, `{"id":0,"lastName":"Solo"}`},
		// Read-only fields, and the external references a read adds, are ignored.
		{shiftwire.Terminals, `{"id":7,"changeVersion":"00000000000000000001","name":"Gate","externalReferences":{"X":"y"}}`, `{"id":7,"name":"Gate"}`},
		{shiftwire.Clockings, `{"person":{"id":1,"externalReferences":{"@badge-number":"1"}},"date":"2024-01-02","timeOfDayInMinutes":-30,"kind":"InOut","isGenerated":true,"status":"Deleted","originalTimeOfDayInMinutes":1,"calculatedTimeOfDayInMinutes":2}`,
			`{"id":0,"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":-30,"calculatedTimeOfDayInMinutes":0,"isGenerated":false,"kind":"InOut","status":""}`},
	}
	for _, tt := range tests {
		got, err := json.Marshal(decode(t, tt.collection, tt.body))
		if err != nil || string(got) != tt.want {
			t.Errorf("%s %s\n got %s, %v\nwant %s", tt.collection, tt.body, got, err, tt.want)
		}
	}
}

// TestDecodeErrors lists, for bad bodies, every field that must be reported.
func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, collection, body string
		want                   []string
	}{
		{"not an object", shiftwire.People, `[1]`, []string{""}},
		{"trailing data", shiftwire.People, `{"lastName":"a"} {}`, []string{""}},
		{"unknown field", shiftwire.People, `{"lastName":"a","nickname":"b"}`, []string{"nickname"}},
		{"a NUL character", shiftwire.People, `{"lastName":"a","badgeNumber":"12\u00003"}`, []string{"badgeNumber"}},
		{"wrong types", shiftwire.People, `{"lastName":1,"firstName":true}`, []string{"lastName", "firstName"}},
		{"missing required", shiftwire.Terminals, `{}`, []string{"name"}},
		{"empty required", shiftwire.Terminals, `{"name":""}`, []string{"name"}},
		{"too long", shiftwire.Terminals, `{"name":"` + strings.Repeat("é", 201) + `"}`, []string{"name"}},
		{"200 characters are fine", shiftwire.Terminals, `{"name":"` + strings.Repeat("é", 200) + `"}`, nil},
		{"bad email", shiftwire.People, `{"lastName":"a","email":"Jan <jan@example.com>"}`, []string{"email"}},
		{"bad id", shiftwire.People, `{"id":0,"lastName":"a"}`, []string{"id"}},
		{"id too large", shiftwire.People, `{"id":2147483648,"lastName":"a"}`, []string{"id"}},
		{"fractional id", shiftwire.People, `{"id":1.5,"lastName":"a"}`, []string{"id"}},
		{"string id", shiftwire.People, `{"id":"1","lastName":"a"}`, []string{"id"}},

		{"time 2881", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":2881,"kind":"InOut"}`, []string{"timeOfDayInMinutes"}},
		{"time -1441", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":-1441,"kind":"InOut"}`, []string{"timeOfDayInMinutes"}},
		{"time 2880", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":2880,"kind":"InOut"}`, nil},
		{"date that does not exist", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-02-30","timeOfDayInMinutes":0,"kind":"InOut"}`, []string{"date"}},
		{"date in another form", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-1-2","timeOfDayInMinutes":0,"kind":"InOut"}`, []string{"date"}},
		{"date with time", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02T00:00:00Z","timeOfDayInMinutes":0,"kind":"InOut"}`, []string{"date"}},
		{"reason on InOut", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"InOut","reason":{"id":1}}`, []string{"reason"}},
		{"Reason without reason", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"Reason"}`, []string{"reason.id"}},
		{"levels on InOut", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"InOut","activityLevels":[{"level":1,"activityDefinition":{"id":1}}]}`, []string{"activityLevels"}},
		{"Activity without levels", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"Activity"}`, []string{"activityLevels"}},
		{"Activity with no level", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"Activity","activityLevels":[]}`, []string{"activityLevels"}},
		{"bad levels", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"Activity","activityLevels":[{"level":0,"activityDefinition":{}},{"level":2,"activityDefinition":{"id":1},"x":1},3]}`,
			[]string{"activityLevels[0].level", "activityLevels[0].activityDefinition.id", "activityLevels[1].x", "activityLevels[2]"}},
		{"same level twice", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"Activity","activityLevels":[{"level":1,"activityDefinition":{"id":1}},{"level":1,"activityDefinition":{"id":1}}]}`, []string{"activityLevels[1].level"}},
		{"unknown kind", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"Break"}`, []string{"kind"}},
		{"geolocation out of range", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"InOut","geolocation":{"longitude":181,"latitude":-91}}`, []string{"geolocation.longitude", "geolocation.latitude"}},
		{"everything missing", shiftwire.Clockings, `{}`, []string{"person", "date", "timeOfDayInMinutes", "kind"}},
		{"person without id", shiftwire.Clockings, `{"person":{},"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"InOut"}`, []string{"person.id"}},
		{"person not an object", shiftwire.Clockings, `{"person":5,"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"InOut"}`, []string{"person"}},

		{"until before from", shiftwire.Contracts, `{"person":{"id":1},"from":"2024-02-01","until":"2024-01-31"}`, []string{"until"}},
		{"percentage over 100", shiftwire.Contracts, `{"person":{"id":1},"from":"2024-01-01","contractPercentage":100.5}`, []string{"contractPercentage"}},
		{"negative minutes", shiftwire.Contracts, `{"person":{"id":1},"from":"2024-01-01","contractHoursInMinutes":-1}`, []string{"contractHoursInMinutes"}},
		{"eight days a week", shiftwire.Contracts, `{"person":{"id":1},"from":"2024-01-01","numberOfWorkingDaysPerWeek":8}`, []string{"numberOfWorkingDaysPerWeek"}},
		{"addendum without parent", shiftwire.Contracts, `{"person":{"id":1},"from":"2024-01-01","kind":"Addendum"}`, []string{"parentContract.id"}},
		{"contract with parent", shiftwire.Contracts, `{"person":{"id":1},"from":"2024-01-01","kind":"Contract","parentContract":{"id":1}}`, []string{"parentContract"}},
		{"unknown contract kind", shiftwire.Contracts, `{"person":{"id":1},"from":"2024-01-01","kind":"Temp"}`, []string{"kind"}},

		{"unknown group type", shiftwire.AbsenceGroups, `{"name":{"default":"x"},"type":"Unknown"}`, []string{"type"}},
		{"name not an object", shiftwire.AbsenceGroups, `{"name":"x","type":"Absence"}`, []string{"name"}},
		{"bad translations", shiftwire.AbsenceGroups, `{"name":{"default":"x","translations":{"Dutch":"y","nl":"","fr":1}},"type":"Absence"}`, []string{"name.translations"}},
		{"bad translation keys", shiftwire.AbsenceGroups, `{"name":{"default":"x","translations":{"Dutch":"y","nl":""}},"type":"Absence"}`, []string{"name.translations", "name.translations.nl"}},
		{"maximum below minimum", shiftwire.BreakDefinitions, `{"name":{"default":"x"},"minimumDurationInMinutes":30,"maximumDurationInMinutes":20}`, []string{"maximumDurationInMinutes"}},
		{"break longer than a day", shiftwire.BreakDefinitions, `{"name":{"default":"x"},"paidDurationInMinutes":1441}`, []string{"paidDurationInMinutes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := collectionType(t, tt.collection).Decode([]byte(tt.body), 0)
			got := fieldsOf(err)
			if err != nil && got == nil {
				t.Fatalf("error %v is not ValidationErrors", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("fields = %q, want %q (%v)", got, tt.want, err)
			}
		})
	}
}

// TestDecodeIDFromURL checks that an id from the URL wins over the body's, which is ignored
// even when it is not a valid id.
func TestDecodeIDFromURL(t *testing.T) {
	r, err := collectionType(t, shiftwire.Terminals).Decode([]byte(`{"id":"x","name":"Gate"}`), 9)
	if err != nil || r.ObjectID() != 9 {
		t.Fatalf("Decode = %v, %v", r, err)
	}
}

func TestValidDate(t *testing.T) {
	for s, want := range map[string]bool{
		"2024-02-29": true, "2023-02-29": false, "2024-02-30": false, "2024-13-01": false,
		"2024-1-01": false, "24-01-01": false, "1899-12-31": false, "9999-12-31": true,
		"2024-01-01 ": false, "": false, "2024/01/01": false,
	} {
		if got := shiftwire.ValidDate(s); got != want {
			t.Errorf("ValidDate(%q) = %v, want %v", s, got, want)
		}
	}
}

// where, dates and in build the expected queries of TestQuery.
func where(ms ...shiftwire.KeyMatch) shiftwire.ObjectQuery { return shiftwire.ObjectQuery{Where: ms} }

func dates(from, to string) shiftwire.KeyMatch {
	return shiftwire.KeyMatch{Name: "date", From: from, To: to}
}

func in(name string, values ...string) shiftwire.KeyMatch {
	return shiftwire.KeyMatch{Name: name, In: values}
}

func TestQuery(t *testing.T) {
	tests := []struct {
		collection, filter string
		want               shiftwire.ObjectQuery // Collection is filled in
		err                string                // part of the reason, "" when it must succeed
	}{
		{shiftwire.Clockings, "date ge '2024-01-01' and date le '2024-01-31'", where(dates("2024-01-01", "2024-01-31")), ""},
		{shiftwire.Clockings, "date eq '2024-01-05'", where(dates("2024-01-05", "2024-01-05")), ""},
		{shiftwire.Clockings, "person eq 12 and date ge '2024-01-01' and date le '2024-12-31' and kind eq 'InOut'",
			where(dates("2024-01-01", "2024-12-31"), in("person", "12"), in("kind", "InOut")), ""},
		{shiftwire.Clockings, "date eq '2024-01-05' and person in (1,2,2) and kind in ('Reason','Activity')",
			where(dates("2024-01-05", "2024-01-05"), in("person", "1", "2"), in("kind", "Reason", "Activity")), ""},
		{shiftwire.Clockings, "date eq '2024-01-05' and (person eq 1 or person eq 3 or person in (4))",
			where(dates("2024-01-05", "2024-01-05"), in("person", "1", "3", "4")), ""},
		{shiftwire.Clockings, "", shiftwire.ObjectQuery{}, "needs a filter with a date range"},
		{shiftwire.Clockings, "person eq 1", shiftwire.ObjectQuery{}, "needs a date range"},
		{shiftwire.Clockings, "date ge '2024-01-01'", shiftwire.ObjectQuery{}, "needs both ends"},
		{shiftwire.Clockings, "date ge '2024-01-01' and date le '2025-01-01'", shiftwire.ObjectQuery{}, "longer than one year"},
		{shiftwire.Clockings, "date ge '2024-02-01' and date le '2024-01-01'", shiftwire.ObjectQuery{}, "ends (2024-01-01) before it starts"},
		{shiftwire.Clockings, "date eq '2024-02-30'", shiftwire.ObjectQuery{}, "is not a date"},
		{shiftwire.Clockings, "date eq 20240201", shiftwire.ObjectQuery{}, "is not a date"},
		{shiftwire.Clockings, "date in ('2024-01-01')", shiftwire.ObjectQuery{}, "not in"},
		{shiftwire.Clockings, "date eq '2024-01-01' and date ge '2024-01-01'", shiftwire.ObjectQuery{}, "given twice"},
		{shiftwire.Clockings, "date ge '2024-01-01' and date ge '2024-01-02'", shiftwire.ObjectQuery{}, "given twice"},
		{shiftwire.Clockings, "date eq '2024-01-01' or date eq '2024-01-02'", shiftwire.ObjectQuery{}, "cannot be joined with or"},
		{shiftwire.Clockings, "date eq '2024-01-01' and (person eq 1 or kind eq 'InOut')", shiftwire.ObjectQuery{}, "same field"},
		{shiftwire.Clockings, "(date eq '2024-01-01' and person eq 1) or person eq 2", shiftwire.ObjectQuery{}, "same field"},
		{shiftwire.Clockings, "date eq '2024-01-01' and person ge 1", shiftwire.ObjectQuery{}, "person supports eq and in"},
		{shiftwire.Clockings, "date eq '2024-01-01' and person eq '1'", shiftwire.ObjectQuery{}, "is not a person id"},
		{shiftwire.Clockings, "date eq '2024-01-01' and person eq 1 and person eq 2", shiftwire.ObjectQuery{}, "given twice"},
		{shiftwire.Clockings, "date eq '2024-01-01' and person in circle(1,2)", shiftwire.ObjectQuery{}, "named lists"},
		{shiftwire.Clockings, "date eq '2024-01-01' and kind eq 'Break'", shiftwire.ObjectQuery{}, "is not a kind"},
		{shiftwire.Clockings, "date eq '2024-01-01' and status eq 'Active'", shiftwire.ObjectQuery{}, "unknown field \"status\""},
		{shiftwire.Clockings, "date eq", shiftwire.ObjectQuery{}, "expected"},
		{shiftwire.Contracts, "", shiftwire.ObjectQuery{}, ""},
		{shiftwire.Contracts, "person in (3,4)", where(in("person", "3", "4")), ""},
		{shiftwire.Contracts, "date eq '2024-01-01'", shiftwire.ObjectQuery{}, "accepts person"},
		{shiftwire.People, "", shiftwire.ObjectQuery{}, ""},
		{shiftwire.People, "  ", shiftwire.ObjectQuery{}, ""},
		{shiftwire.BreakDefinitions, "id eq 1", shiftwire.ObjectQuery{}, "accepts no filter"},
	}
	for _, tt := range tests {
		q, err := collectionType(t, tt.collection).Query(tt.filter)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || shiftwire.ErrorCodeOf(err) != shiftwire.EInvalid {
				t.Errorf("%s %q: error %v, want one containing %q", tt.collection, tt.filter, err, tt.err)
			}
			continue
		}
		tt.want.Collection = tt.collection
		if err != nil || fmt.Sprint(q) != fmt.Sprint(tt.want) {
			t.Errorf("%s %q = %+v, %v; want %+v", tt.collection, tt.filter, q, err, tt.want)
		}
	}
}

func TestInsertConflictAndPutCreated(t *testing.T) {
	ctx := context.Background()
	s, tn := openStore(t)
	save(t, s, tn, shiftwire.Terminals, `{"id":4,"name":"Gate"}`)
	before := changes(t, s, tn)
	_, err := shiftwire.WriteObjects(ctx, s, tn.ID, func(w *shiftwire.ObjectWriter) error {
		_, err := w.Insert(ctx, decode(t, shiftwire.Terminals, `{"id":4,"name":"Other"}`))
		return err
	})
	if shiftwire.ErrorCodeOf(err) != shiftwire.EConflict {
		t.Fatalf("insert of an existing id: %v, want a conflict", err)
	}
	if got := changes(t, s, tn); len(got) != len(before) {
		t.Fatalf("a refused insert moved the change log: %d changes, want %d", len(got), len(before))
	}
	var created []bool
	_, err = shiftwire.WriteObjects(ctx, s, tn.ID, func(w *shiftwire.ObjectWriter) error {
		for _, body := range []string{`{"id":4,"name":"Gate 4"}`, `{"id":9,"name":"Gate 9"}`, `{"name":"Next"}`} {
			o, c, err := w.Put(ctx, decode(t, shiftwire.Terminals, body))
			if err != nil {
				return err
			}
			created = append(created, c)
			if o.ID == 0 {
				return errors.New("no id assigned")
			}
		}
		return nil
	})
	if err != nil || !slices.Equal(created, []bool{false, true, true}) {
		t.Fatalf("Put created = %v, %v", created, err)
	}
	next, _ := s.Object(ctx, tn.ID, shiftwire.Terminals, 10)
	if next == nil || !bytes.Contains(next.Data, []byte(`"Next"`)) {
		t.Fatalf("an insert without id did not get the next id: %v", next)
	}
}

// TestMissingReferences checks that references to missing objects are 400s that name the
// field and the object, and that nothing is written.
func TestMissingReferences(t *testing.T) {
	ctx := context.Background()
	s, tn := openStore(t)
	seedReferences(t, s, tn)
	before := changes(t, s, tn)
	tests := []struct {
		collection, body string
		want             []string
	}{
		{shiftwire.Contracts, `{"person":{"id":99},"from":"2024-01-01"}`, []string{"person.id"}},
		{shiftwire.Clockings, `{"person":{"id":99},"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"Activity","terminal":{"id":98},"activityLevels":[{"level":1,"activityDefinition":{"id":1}},{"level":2,"activityDefinition":{"id":97}}]}`,
			[]string{"person.id", "terminal.id", "activityLevels[1].activityDefinition.id"}},
		{shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"Reason","reason":{"id":96}}`, []string{"reason.id"}},
		{shiftwire.Contracts, `{"person":{"id":1},"from":"2024-01-01","kind":"Addendum","parentContract":{"id":95}}`, []string{"parentContract.id"}},
	}
	for _, tt := range tests {
		_, err := shiftwire.WriteObjects(ctx, s, tn.ID, func(w *shiftwire.ObjectWriter) error {
			_, _, err := w.Put(ctx, decode(t, tt.collection, tt.body))
			return err
		})
		if got := fieldsOf(err); !slices.Equal(got, tt.want) {
			t.Errorf("%s: fields %q, want %q (%v)", tt.body, got, tt.want, err)
		}
		if err != nil && !strings.Contains(err.Error(), "which does not exist") {
			t.Errorf("%s: %v does not say what is missing", tt.body, err)
		}
	}
	if got := changes(t, s, tn); len(got) != len(before) {
		t.Fatalf("refused writes moved the change log: %d changes, want %d", len(got), len(before))
	}
}

// TestWriteRollsBackMidway forces a failure after some objects were put: none of them, and
// no change-log entry, remains.
func TestWriteRollsBackMidway(t *testing.T) {
	ctx := context.Background()
	s, tn := openStore(t)
	seedReferences(t, s, tn)
	before := changes(t, s, tn)
	boom := errors.New("boom")
	_, err := shiftwire.WriteObjects(ctx, s, tn.ID, func(w *shiftwire.ObjectWriter) error {
		for i := range 5 {
			if _, _, err := w.Put(ctx, decode(t, shiftwire.Terminals, fmt.Sprintf(`{"id":%d,"name":"T%d"}`, 50+i, i))); err != nil {
				return err
			}
		}
		if err := w.Delete(ctx, shiftwire.People, 2); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WriteObjects = %v, want boom", err)
	}
	if got := changes(t, s, tn); len(got) != len(before) {
		t.Fatalf("a rolled-back write left %d change-log entries", len(got)-len(before))
	}
	if _, err := s.Object(ctx, tn.ID, shiftwire.Terminals, 50); shiftwire.ErrorCodeOf(err) != shiftwire.ENotFound {
		t.Fatalf("a rolled-back put is visible: %v", err)
	}
	if _, err := s.Object(ctx, tn.ID, shiftwire.People, 2); err != nil {
		t.Fatalf("a rolled-back delete removed the person: %v", err)
	}
}

// TestDeleteRemoves checks that deleting anything but a clocking removes it with a Delete
// change, and that deleting a missing object is ENotFound.
func TestDeleteRemoves(t *testing.T) {
	ctx := context.Background()
	s, tn := openStore(t)
	seedReferences(t, s, tn)
	del := func(collection string, id int64) error {
		_, err := shiftwire.WriteObjects(ctx, s, tn.ID, func(w *shiftwire.ObjectWriter) error {
			return w.Delete(ctx, collection, id)
		})
		return err
	}
	if err := del(shiftwire.Terminals, 1); err != nil {
		t.Fatal(err)
	}
	cs := changes(t, s, tn)
	last := cs[len(cs)-1]
	if last.Type != shiftwire.Delete || last.Collection != shiftwire.Terminals || last.ObjectID != 1 {
		t.Fatalf("last change = %+v, want a Delete of terminals 1", last)
	}
	if err := del(shiftwire.Terminals, 1); shiftwire.ErrorCodeOf(err) != shiftwire.ENotFound {
		t.Fatalf("deleting a missing terminal: %v", err)
	}
	// A person that contracts refer to may be deleted: the reference stays as it was.
	save(t, s, tn, shiftwire.Contracts, `{"person":{"id":2},"from":"2024-01-01"}`)
	if err := del(shiftwire.People, 2); err != nil {
		t.Fatalf("deleting a referenced person: %v", err)
	}
}

// TestConcurrentWriters writes through many goroutines at once and checks the change log:
// versions strictly increase in commit order and their strings sort the same way.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	s, tn := openStore(t)
	seedReferences(t, s, tn)
	start := len(changes(t, s, tn))
	const writers, each = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				body := fmt.Sprintf(`{"person":{"id":%d},"date":"2024-01-%02d","timeOfDayInMinutes":%d,"kind":"InOut"}`, g%2+1, i+1, g*10+i)
				_, err := shiftwire.WriteObjects(ctx, s, tn.ID, func(w *shiftwire.ObjectWriter) error {
					_, _, err := w.Put(ctx, decode(t, shiftwire.Clockings, body))
					return err
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	cs := changes(t, s, tn)
	clockings := 0
	for _, c := range cs[start:] {
		if c.Collection == shiftwire.Clockings {
			clockings++
		}
	}
	if clockings != writers*each {
		t.Fatalf("%d clocking changes, want %d", clockings, writers*each)
	}
	for i := 1; i < len(cs); i++ {
		a, b := cs[i-1], cs[i]
		if b.Version <= a.Version || a.Version.String() >= b.Version.String() || b.CommittedAt.Before(a.CommittedAt) {
			t.Fatalf("change %d: %s (%v) then %s (%v)", i, a.Version, a.CommittedAt, b.Version, b.CommittedAt)
		}
	}
}

func TestReadChanges(t *testing.T) {
	const person = `{"collection":"people","changeType":"InsertOrUpdate","data":{"id":5,"lastName":"Peeters"}}`
	const del = `{"collection":"terminals","changeType":"Delete","data":{"id":3,"changeVersion":"00000000000000000001"}}`
	tests := []struct {
		name, body string
		lines      []int    // the line numbers read, when it succeeds
		fields     []string // the fields of the problems, when it fails
	}{
		{"empty", "", nil, nil},
		{"spaces", " \n\t ", nil, nil},
		{"empty array", "[]", nil, nil},
		{"array", "[" + person + ",\n" + del + "]", []int{1, 2}, nil},
		{"ndjson", person + "\n\n" + del + "\r\n", []int{1, 3}, nil},
		{"byte order mark", "\xef\xbb\xbf" + person, []int{1}, nil},
		{"bad lines", person + "\n" + `{"collection":"nope","changeType":"Upsert","data":{}}` + "\n" + `{"collection":"clockings","changeType":"InsertOrUpdate","data":{"person":{"id":1},"date":"2024-02-30","timeOfDayInMinutes":2881,"kind":"InOut"}}` + "\n" + `[]`,
			nil, []string{"line 2: changeType", "line 2: collection", "line 3: date", "line 3: timeOfDayInMinutes", "line 4"}},
		{"data not an object", `{"collection":"people","changeType":"InsertOrUpdate","data":[]}`, nil, []string{"line 1: data"}},
		{"delete without id", `{"collection":"people","changeType":"Delete","data":{"lastName":"x"}}`, nil, []string{"line 1: id", "line 1: lastName"}},
		{"missing members", `{"data":{}, "extra":1}`, nil, []string{"line 1: collection", "line 1: changeType", "line 1: extra"}},
		{"broken array", "[" + person + "," + person + ",{]", nil, []string{"line 3"}},
		{"unclosed array", "[" + person, nil, []string{"line 2"}},
		{"after the array", "[" + person + "] {}", nil, []string{"line 2"}},
		{"broken ndjson line", person + "\n{\"collection\":", nil, []string{"line 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, err := shiftwire.ReadChanges(strings.NewReader(tt.body), nil)
			if tt.fields != nil {
				if got := fieldsOf(err); !slices.Equal(got, tt.fields) {
					t.Fatalf("fields = %q, want %q (%v)", got, tt.fields, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, l := range lines {
				got = append(got, l.Line)
			}
			if !slices.Equal(got, tt.lines) {
				t.Fatalf("lines = %v, want %v", got, tt.lines)
			}
		})
	}
}

// errNoPeople is what the mayWrite of the tests answers for people.
var errNoPeople = errors.New("no people")

func noPeople(collection string) error {
	if collection == shiftwire.People {
		return errNoPeople
	}
	return nil
}

// endless is a body that fails a test when it is read: the reading should have stopped.
type endless struct{ t *testing.T }

func (e endless) Read([]byte) (int, error) {
	e.t.Error("the body was read past the line that ends it")
	return 0, io.ErrUnexpectedEOF
}

// TestReadChangesStopsAtARefusedLine gives ReadChanges a mayWrite that refuses people: the
// reading stops at the first people line, and the answer is the problems up to it or the
// refusal.
func TestReadChangesStopsAtARefusedLine(t *testing.T) {
	const terminal = `{"collection":"terminals","changeType":"InsertOrUpdate","data":{"name":"T"}}`
	const person = `{"collection":"people","changeType":"InsertOrUpdate","data":{"lastName":"P"}}`
	tests := []struct {
		name, body string
		fields     []string // the problems; nil for the refusal
	}{
		{"first", person + "\n", nil},
		{"after others", strings.Repeat(terminal+"\n", 600) + person + "\n", nil},
		{"in an array", "[" + terminal + ",\n" + person, nil},
		{"collection last", `{"changeType":"Delete","data":{"id":1},"collection":"people"}` + "\n", nil},
		{"escaped", `{"collection":"\u0070eople","changeType":"Delete","data":{"id":1}}` + "\n", nil},
		{"spaced", "\t{ \"data\" : { \"lastName\" : \"a,\\\"}]\" } , \"changeType\" : \"InsertOrUpdate\" ,\"collection\" : \"people\" }\n", nil},
		{"after a bad line", terminal + "\n" + `{"collection":"terminals"}` + "\n" + person + "\n", []string{"line 2: changeType", "line 2: data"}},
		{"a bad refused line", `{"collection":"people","changeType":"Delete","data":{}}` + "\n", []string{"line 1: id"}},
		{"a duplicate key", `{"collection":"people","changeType":"Delete","data":{"id":1},"collection":"terminals"}` + "\n", []string{"line 1: collection"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, err := shiftwire.ReadChanges(io.MultiReader(strings.NewReader(tt.body), endless{t}), noPeople)
			if lines != nil {
				t.Fatalf("%d lines read", len(lines))
			}
			if tt.fields == nil {
				if err != errNoPeople {
					t.Fatalf("ReadChanges = %v, want the refusal", err)
				}
				return
			}
			if got := fieldsOf(err); !slices.Equal(got, tt.fields) {
				t.Fatalf("fields = %q, want %q (%v)", got, tt.fields, err)
			}
		})
	}

	// Lines of collections it allows, and of unknown ones, are read as before.
	lines, err := shiftwire.ReadChanges(strings.NewReader(strings.Repeat(terminal+"\n", 3)), noPeople)
	if err != nil || len(lines) != 3 {
		t.Fatalf("allowed lines: %d, %v", len(lines), err)
	}
	_, err = shiftwire.ReadChanges(strings.NewReader(`{"collection":"payslips","changeType":"Delete","data":{"id":1}}`), noPeople)
	if got := fieldsOf(err); !slices.Equal(got, []string{"line 1: collection"}) {
		t.Fatalf("an unknown collection: %v", err)
	}
}

func TestRequireAnyWriteScope(t *testing.T) {
	for _, tt := range []struct {
		scopes []string
		ok     bool
	}{
		{nil, false},
		{[]string{shiftwire.ScopeWebhooksRead, shiftwire.ScopeWebhooksWrite, shiftwire.ScopeExternalReferencesWrite, shiftwire.ReadScope(shiftwire.Clockings)}, false},
		{[]string{shiftwire.WriteScope(shiftwire.Clockings)}, true},
		{[]string{shiftwire.ScopeWebhooksRead, shiftwire.WriteScope(shiftwire.AbsenceGroups)}, true},
	} {
		err := shiftwire.RequireAnyWriteScope(&shiftwire.Principal{Scopes: tt.scopes})
		var ae *shiftwire.AuthError
		switch {
		case tt.ok && err != nil:
			t.Errorf("%v: %v, want nil", tt.scopes, err)
		case !tt.ok && (!errors.As(err, &ae) || ae.Reason != shiftwire.AuthInsufficientScope || !strings.Contains(ae.Scope, shiftwire.WriteScope(shiftwire.People))):
			t.Errorf("%v: %#v, want insufficient_scope listing the write scopes", tt.scopes, err)
		}
	}
}

// bulkClockings returns n NDJSON clocking lines for people 1 and 2.
func bulkClockings(n int) *bytes.Buffer {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `{"collection":"clockings","changeType":"InsertOrUpdate","data":{"person":{"id":%d},"date":"2024-%02d-%02d","timeOfDayInMinutes":%d,"terminal":{"id":1},"kind":"InOut"}}`+"\n",
			i%2+1, i%12+1, i%28+1, i%1440)
	}
	return &b
}

// TestApplyChangesAllOrNothing loads ten thousand clockings with one bad reference among
// them: nothing is written and the answer names the line.
func TestApplyChangesAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s, tn := openStore(t)
	seedReferences(t, s, tn)
	before := changes(t, s, tn)
	body := bulkClockings(10_000)
	bad := `{"collection":"clockings","changeType":"InsertOrUpdate","data":{"person":{"id":77},"date":"2024-01-01","timeOfDayInMinutes":0,"kind":"InOut"}}`
	lines := strings.Split(strings.TrimSuffix(body.String(), "\n"), "\n")
	lines[6999] = bad
	read, err := shiftwire.ReadChanges(strings.NewReader(strings.Join(lines, "\n")), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = shiftwire.ApplyChanges(ctx, s, tn.ID, read)
	if got := fieldsOf(err); !slices.Equal(got, []string{"line 7000: person.id"}) {
		t.Fatalf("ApplyChanges = %v, want a problem on line 7000: person.id", err)
	}
	if got := changes(t, s, tn); len(got) != len(before) {
		t.Fatalf("a failed bulk load moved the change log by %d", len(got)-len(before))
	}

	// A later line may refer to what an earlier line of the same request created, and a
	// delete of a missing object names its line.
	read, err = shiftwire.ReadChanges(strings.NewReader(`[
		{"collection":"people","changeType":"InsertOrUpdate","data":{"id":30,"lastName":"New"}},
		{"collection":"contracts","changeType":"InsertOrUpdate","data":{"id":1,"person":{"id":30},"from":"2024-01-01"}},
		{"collection":"contracts","changeType":"InsertOrUpdate","data":{"person":{"id":30},"from":"2024-06-01","kind":"Addendum","parentContract":{"id":1}}},
		{"collection":"terminals","changeType":"Delete","data":{"id":1}},
		{"collection":"clockings","changeType":"InsertOrUpdate","data":{"person":{"id":30},"date":"2024-01-01","timeOfDayInMinutes":0,"kind":"InOut","terminal":{"id":1}}}
	]`), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = shiftwire.ApplyChanges(ctx, s, tn.ID, read)
	if got := fieldsOf(err); !slices.Equal(got, []string{"line 5: terminal.id"}) {
		t.Fatalf("ApplyChanges = %v, want only line 5: terminal.id (deleted by line 4)", err)
	}
	read = read[:4]
	sum, err := shiftwire.ApplyChanges(ctx, s, tn.ID, read)
	if err != nil || sum.Changes != 4 || sum.Last != sum.First+3 {
		t.Fatalf("ApplyChanges = %+v, %v", sum, err)
	}
	read, _ = shiftwire.ReadChanges(strings.NewReader(`{"collection":"terminals","changeType":"Delete","data":{"id":1}}`), nil)
	_, err = shiftwire.ApplyChanges(ctx, s, tn.ID, read)
	if got := fieldsOf(err); !slices.Equal(got, []string{"line 1: id"}) {
		t.Fatalf("deleting a missing terminal: %v", err)
	}
}

// FuzzDecodeObject decodes arbitrary bodies as writes of every collection: no panic, only
// ValidationErrors, and what decodes renders as JSON that decodes again to the same record.
func FuzzDecodeObject(f *testing.F) {
	seeds := []string{
		`{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":480,"kind":"InOut"}`,
		`{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":540,"kind":"Activity","activityLevels":[{"level":1,"activityDefinition":{"id":1}}],"geolocation":{"longitude":4.3,"latitude":50.8}}`,
		`{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"Reason","reason":{"id":3},"terminal":{"id":2}}`,
		`{"person":{"id":1},"from":"2024-01-01","until":"2024-12-31","kind":"Addendum","parentContract":{"id":2},"contractPercentage":80.5}`,
		`{"name":{"default":"Lunch","translations":{"nl":"Middag"}},"minimumDurationInMinutes":30,"maximumDurationInMinutes":45}`,
		`{"name":{"default":"Sick"},"type":"WorkingElsewhere"}`,
		`{"id":3,"firstName":"An","lastName":"P","email":"a@b.be","badgeNumber":"1"}`,
		`{"name":"T","externalCode":"X"}`,
		`{"name":{"default":"A"},"dataEntryCode":"D","externalReference":"E"}`,
		`{"name":{"default":"A"},"code":"C","isReasonForClocking":true}`,
		`{}`, `null`, `[]`, `{"id":1e3}`, `{"name":{"translations":{"nl-BE":"x"}}}`,
	}
	types := shiftwire.Collections()
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	for i, ct := range types { // every declaration's example, as its own collection
		f.Add(uint8(i), []byte(ct.Example))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		ct := types[int(which)%len(types)]
		r, err := ct.Decode(body, 0)
		if err != nil {
			if fieldsOf(err) == nil {
				t.Fatalf("Decode error %v is not ValidationErrors", err)
			}
			return
		}
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		again, err := shiftwire.ValidateRecord(r)
		if err != nil {
			t.Fatalf("a decoded record does not decode again: %s: %v", data, err)
		}
		if data2, _ := json.Marshal(again); !bytes.Equal(data, data2) {
			t.Fatalf("round trip changed the record:\n%s\n%s", data, data2)
		}
		if _, err := ct.Unmarshal(data); err != nil {
			t.Fatalf("Unmarshal: %v", err)
		}
	})
}

// FuzzBulkChanges reads arbitrary POST /changes bodies: no panic, problems only as
// ValidationErrors naming a line, and every line read holds a record or an id.
func FuzzBulkChanges(f *testing.F) {
	for _, s := range []string{
		`[{"collection":"people","changeType":"InsertOrUpdate","data":{"lastName":"a"}}]`,
		`{"collection":"people","changeType":"InsertOrUpdate","data":{"lastName":"a"}}` + "\n" + `{"collection":"people","changeType":"Delete","data":{"id":1}}`,
		`{"collection":"clockings","changeType":"InsertOrUpdate","data":{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":480,"kind":"InOut"}}`,
		`[{"collection":"x"},1,"a",null,[]]`,
		"[", "]", "\n\n", "{}\n{}", "\xef\xbb\xbf[]", `[{}] []`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		lines, err := shiftwire.ReadChanges(bytes.NewReader(body), nil)
		// Refusing people changes nothing for a body without people lines, and a refusal
		// comes only from a body with one.
		refused, rerr := shiftwire.ReadChanges(bytes.NewReader(body), noPeople)
		if rerr == errNoPeople && err == nil && !slices.ContainsFunc(lines, func(l shiftwire.ChangeLine) bool { return l.Collection == shiftwire.People }) {
			t.Fatalf("refused a body without people lines")
		}
		if rerr != errNoPeople && fmt.Sprint(rerr) != fmt.Sprint(err) && err == nil {
			t.Fatalf("refusing people: %v; without: %v", rerr, err)
		}
		if rerr == nil && len(refused) != len(lines) {
			t.Fatalf("refusing people read %d lines, without %d", len(refused), len(lines))
		}
		if err != nil {
			fields := fieldsOf(err)
			if fields == nil {
				t.Fatalf("ReadChanges error %v is not ValidationErrors", err)
			}
			for _, f := range fields {
				if !strings.HasPrefix(f, "line ") {
					t.Fatalf("problem field %q names no line", f)
				}
			}
			return
		}
		for _, l := range lines {
			if l.Line < 1 || (l.Type == shiftwire.Delete) != (l.Record == nil) || (l.Type == shiftwire.Delete && l.ID < 1) {
				t.Fatalf("line %+v", l)
			}
		}
	})
}

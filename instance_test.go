package shiftwire_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/shiftwire/shiftwire"
)

// TestDecodeInstances checks the field rules of the dated instance collections and of
// assignments: bad enums, out-of-range numbers, missing required fields and wrong types
// each come back with every problem named.
func TestDecodeInstances(t *testing.T) {
	const day = `"person":{"id":1},"date":"2025-01-02"`
	example := func(collection string) string { return collectionType(t, collection).Example }
	checkDecodeCases(t, []decodeCase{
		{"every field", shiftwire.WorkInterruptions, example(shiftwire.WorkInterruptions), nil},
		{"everything missing", shiftwire.WorkInterruptions, `{}`, []string{"person", "date"}},
		{"out of range", shiftwire.WorkInterruptions, `{` + day + `,"durationInMinutes":44641,"startTimeInMinutes":-1,"endTimeInMinutes":2881}`,
			[]string{"durationInMinutes", "startTimeInMinutes", "endTimeInMinutes"}},
		{"the bounds", shiftwire.WorkInterruptions, `{` + day + `,"durationInMinutes":44640,"startTimeInMinutes":0,"endTimeInMinutes":2880}`, nil},
		{"an end before the start is Protime's to judge", shiftwire.WorkInterruptions, `{` + day + `,"startTimeInMinutes":600,"endTimeInMinutes":540}`, nil},
		{"wrong types", shiftwire.WorkInterruptions, `{"person":{"id":"1"},"date":"2025-01-02","durationInMinutes":"45","startTimeInMinutes":1.5}`,
			[]string{"person.id", "durationInMinutes", "startTimeInMinutes"}},

		{"every field", shiftwire.Breaks, example(shiftwire.Breaks), nil},
		{"everything missing", shiftwire.Breaks, `{}`, []string{"person", "breakDefinition", "date"}},
		{"longer than a day", shiftwire.Breaks, `{` + day + `,"breakDefinition":{"id":1},"calculatedDurationInMinutes":1441,"clockedDurationInMinutes":-1}`,
			[]string{"calculatedDurationInMinutes", "clockedDurationInMinutes"}},
		{"wrong types", shiftwire.Breaks, `{` + day + `,"breakDefinition":{"id":1},"isBreakTaken":"true","endTimeInMinutes":null}`, []string{"isBreakTaken"}},

		{"every field", shiftwire.AccessClockings, example(shiftwire.AccessClockings), nil},
		{"everything missing", shiftwire.AccessClockings, `{}`, []string{"person", "date", "timeOfDayInMinutes", "status"}},
		{"a minute of the day", shiftwire.AccessClockings, `{` + day + `,"timeOfDayInMinutes":1440,"status":"AccessOk"}`, []string{"timeOfDayInMinutes"}},
		{"the last minute", shiftwire.AccessClockings, `{` + day + `,"timeOfDayInMinutes":1439,"status":"UnknownBadge"}`, nil},
		{"no negative minute", shiftwire.AccessClockings, `{` + day + `,"timeOfDayInMinutes":-1,"status":"AccessOk"}`, []string{"timeOfDayInMinutes"}},
		{"bad status", shiftwire.AccessClockings, `{` + day + `,"timeOfDayInMinutes":0,"status":"Unknown","terminal":{"id":0}}`, []string{"terminal.id", "status"}},

		{"every field", shiftwire.ActivityDurations, example(shiftwire.ActivityDurations), nil},
		{"everything missing", shiftwire.ActivityDurations, `{}`, []string{"person", "date"}},
		{"bad enum and types", shiftwire.ActivityDurations, `{` + day + `,"status":"Calendar","isAuthorized":0,"request":{"id":42}}`,
			[]string{"request.id", "status", "isAuthorized"}},
		{"activity ids are strings", shiftwire.ActivityDurations, `{` + day + `,"activityLevels":[{"level":1,"activityDefinition":{"id":1}},{"level":1,"activityDefinition":{"id":"A"}},{"level":100,"activityDefinition":{"id":""}}]}`,
			[]string{"activityLevels[0].activityDefinition.id", "activityLevels[1].level", "activityLevels[2].level", "activityLevels[2].activityDefinition.id"}},
		{"counter definitions are references", shiftwire.ActivityDurations, `{` + day + `,"counterDefinitions":[{"id":1},{"id":"2"},3,{"code":"OT"}]}`,
			[]string{"counterDefinitions[1].id", "counterDefinitions[2]", "counterDefinitions[3].id", "counterDefinitions[3].code"}},
		{"too many counter definitions", shiftwire.ActivityDurations, `{` + day + `,"counterDefinitions":[` + strings.TrimSuffix(strings.Repeat(`{"id":1},`, 101), ",") + `]}`,
			[]string{"counterDefinitions"}},

		{"every field", shiftwire.Absences, example(shiftwire.Absences), nil},
		{"everything missing", shiftwire.Absences, `{}`, []string{"person", "resultingAbsenceDefinition", "date"}},
		{"bad enums", shiftwire.Absences, `{` + day + `,"resultingAbsenceDefinition":{"id":1},"dayPart":"Morning","status":"Approved","approvalLevel":"Manual"}`,
			[]string{"dayPart", "status", "approvalLevel"}},
		{"every enum's last value", shiftwire.Absences, `{` + day + `,"resultingAbsenceDefinition":{"id":1},"dayPart":"Unknown","status":"Calendar","approvalLevel":"NotApprovedByCalculations"}`, nil},
		{"out of range and wrong types", shiftwire.Absences, `{` + day + `,"resultingAbsenceDefinition":{"id":1},"startTimeInMinutes":2881,"durationInMinutes":-5,"calculatedDurationInMinutes":44641,"isLocked":"no","request":"1-1-42"}`,
			[]string{"startTimeInMinutes", "durationInMinutes", "calculatedDurationInMinutes", "request", "isLocked"}},

		{"every field", shiftwire.Counters, example(shiftwire.Counters), nil},
		{"everything missing", shiftwire.Counters, `{}`, []string{"person", "counterDefinition", "date"}},
		{"bad enums", shiftwire.Counters, `{` + day + `,"counterDefinition":{"id":1},"status":"Open","periodType":"Month"}`, []string{"status", "periodType"}},
		{"every enum's last value", shiftwire.Counters, `{` + day + `,"counterDefinition":{"id":1},"status":"Calendar","periodType":"PayPeriod"}`, nil},
		{"out of range", shiftwire.Counters, `{` + day + `,"counterDefinition":{"id":1},"numberOfInstances":-1,"durationInMinutes":44641,"endTimeInMinutes":3000}`,
			[]string{"numberOfInstances", "endTimeInMinutes", "durationInMinutes"}},

		{"every field", shiftwire.Assignments, example(shiftwire.Assignments), nil},
		{"everything missing", shiftwire.Assignments, `{}`, []string{"person", "from"}},
		{"until before from", shiftwire.Assignments, `{"person":{"id":1},"from":"2025-01-06","until":"2025-01-05"}`, []string{"until"}},
		{"a date is no assignment field", shiftwire.Assignments, `{"person":{"id":1},"from":"2025-01-06","date":"2025-01-06"}`, []string{"date"}},
		{"out of range and long comments", shiftwire.Assignments, `{"person":{"id":1},"from":"2025-01-06","breakDurationInMinutes":1441,"startTimeInMinutes":-60,"comments":"` + strings.Repeat("x", 1001) + `"}`,
			[]string{"startTimeInMinutes", "breakDurationInMinutes", "comments"}},
		{"comments of 1000 characters", shiftwire.Assignments, `{"person":{"id":1},"from":"2025-01-06","comments":"` + strings.Repeat("é", 1000) + `"}`, nil},
		{"bad levels", shiftwire.Assignments, `{"person":{"id":1},"from":"2025-01-06","activityLevels":[{"level":0,"activityDefinition":{"id":"PRJ"}}]}`,
			[]string{"activityLevels[0].level", "activityLevels[0].activityDefinition.id"}},

		{"every field", shiftwire.CalculatedTotals, example(shiftwire.CalculatedTotals), nil},
		{"everything missing", shiftwire.CalculatedTotals, `{}`, []string{"person", "date"}},
		{"negative totals", shiftwire.CalculatedTotals, `{` + day + `,"normalTimeDurationInMinutes":-1,"weeklyHours3DurationInMinutes":-1,"flextimeDurationInMinutes":-480,"flextimeBalanceInMinutes":-2147483647}`,
			[]string{"normalTimeDurationInMinutes", "weeklyHours3DurationInMinutes"}},
		{"beyond 32 bits", shiftwire.CalculatedTotals, `{` + day + `,"payPeriodHoursDurationInMinutes":2147483648,"flextimeBalanceInMinutes":-2147483648}`,
			[]string{"payPeriodHoursDurationInMinutes", "flextimeBalanceInMinutes"}},
		{"weekly hours spelled out", shiftwire.CalculatedTotals, `{` + day + `,"weeklyHoursDurationInMinutes":1}`, []string{"weeklyHoursDurationInMinutes"}},

		{"every field", shiftwire.PaidPresences, example(shiftwire.PaidPresences), nil},
		{"everything missing", shiftwire.PaidPresences, `{}`, []string{"person", "date"}},
		{"bad values", shiftwire.PaidPresences, `{` + day + `,"durationInMinutes":-1,"shiftDefinition":{"code":"VRG"}}`, []string{"durationInMinutes", "shiftDefinition.id", "shiftDefinition.code"}},
	})
}

// TestDecodeInstanceDefaults checks what the server fills in for an instance written with
// the least it needs: numbers 0, booleans false, enums Unknown, optional references left
// out.
func TestDecodeInstanceDefaults(t *testing.T) {
	checkDefaults(t, []struct{ collection, body, want string }{
		{shiftwire.WorkInterruptions, `{"person":{"id":1},"date":"2025-01-02"}`,
			`{"id":0,"person":{"id":1},"date":"2025-01-02","durationInMinutes":0,"startTimeInMinutes":0,"endTimeInMinutes":0}`},
		{shiftwire.Breaks, `{"person":{"id":1},"breakDefinition":{"id":2},"date":"2025-01-02"}`,
			`{"id":0,"person":{"id":1},"breakDefinition":{"id":2},"date":"2025-01-02","calculatedDurationInMinutes":0,"clockedDurationInMinutes":0,"startTimeInMinutes":0,"endTimeInMinutes":0,"isBreakTaken":false}`},
		{shiftwire.AccessClockings, `{"person":{"id":1},"date":"2025-01-02","timeOfDayInMinutes":0,"status":"OutZone"}`,
			`{"id":0,"person":{"id":1},"date":"2025-01-02","timeOfDayInMinutes":0,"status":"OutZone"}`},
		{shiftwire.ActivityDurations, `{"person":{"id":1},"date":"2025-01-02"}`,
			`{"id":0,"person":{"id":1},"date":"2025-01-02","durationInMinutes":0,"status":"Unknown","isAuthorized":false}`},
		{shiftwire.Absences, `{"person":{"id":1},"resultingAbsenceDefinition":{"id":3},"date":"2025-01-02"}`,
			`{"id":0,"person":{"id":1},"resultingAbsenceDefinition":{"id":3},"date":"2025-01-02","startTimeInMinutes":0,"durationInMinutes":0,"calculatedDurationInMinutes":0,"dayPart":"Unknown","status":"Unknown","approvalLevel":"Unknown","isLocked":false}`},
		{shiftwire.Counters, `{"person":{"id":1},"counterDefinition":{"id":4},"date":"2025-01-02"}`,
			`{"id":0,"numberOfInstances":0,"status":"Unknown","isAuthorized":false,"person":{"id":1},"periodType":"Unknown","counterDefinition":{"id":4},"date":"2025-01-02","startTimeInMinutes":0,"endTimeInMinutes":0,"durationInMinutes":0}`},
		{shiftwire.Assignments, `{"person":{"id":1},"from":"2025-01-06"}`,
			`{"id":0,"person":{"id":1},"from":"2025-01-06","startTimeInMinutes":0,"endTimeInMinutes":0,"breakDurationInMinutes":0}`},
		{shiftwire.CalculatedTotals, `{"person":{"id":1},"date":"2025-01-02"}`,
			`{"id":0,"person":{"id":1},"date":"2025-01-02","normalTimeDurationInMinutes":0,"timePresentDurationInMinutes":0,"calculatedPresenceDurationInMinutes":0,"weeklyHours1DurationInMinutes":0,"weeklyHours2DurationInMinutes":0,"weeklyHours3DurationInMinutes":0,"payPeriodHoursDurationInMinutes":0,"flextimeDurationInMinutes":0,"flextimeBalanceInMinutes":0}`},
		{shiftwire.PaidPresences, `{"person":{"id":1},"date":"2025-01-02"}`,
			`{"id":0,"person":{"id":1},"date":"2025-01-02","durationInMinutes":0}`},
	})
}

// TestInstanceReferences checks that every reference of an instance must name an existing
// object, all missing ones reported together by field, array elements by index, and that a
// refused write writes nothing.
func TestInstanceReferences(t *testing.T) {
	ctx := context.Background()
	s, tn := openStore(t)
	for _, ct := range shiftwire.CollectionsByDependency() {
		if len(ct.Refs) > 0 && slices.ContainsFunc(ct.Filters, func(f shiftwire.ListFilter) bool { return f.Name == "date" }) {
			continue // the instances are what this test writes
		}
		save(t, s, tn, ct.Name, strings.Replace(ct.Example, "{", `{"id":1,`, 1))
	}
	before := changes(t, s, tn)
	tests := []struct {
		collection, body string
		want             []string
	}{
		{shiftwire.Absences, `{"person":{"id":9},"resultingAbsenceDefinition":{"id":9},"requestedAbsenceDefinition":{"id":8},"shiftDefinition":{"id":9},"date":"2025-01-02","request":{"id":"9"}}`,
			[]string{"person.id", "resultingAbsenceDefinition.id", "requestedAbsenceDefinition.id", "shiftDefinition.id"}},
		{shiftwire.Counters, `{"person":{"id":1},"shiftDefinition":{"id":9},"counterDefinition":{"id":9},"date":"2025-01-02"}`,
			[]string{"shiftDefinition.id", "counterDefinition.id"}},
		{shiftwire.ActivityDurations, `{"person":{"id":1},"date":"2025-01-02","absenceDefinition":{"id":9},"counterDefinitions":[{"id":1},{"id":9}],"shiftDefinition":{"id":9},"activityLevels":[{"level":1,"activityDefinition":{"id":"999"}}]}`,
			[]string{"absenceDefinition.id", "counterDefinitions[1].id", "shiftDefinition.id"}},
		{shiftwire.Breaks, `{"person":{"id":9},"breakDefinition":{"id":9},"date":"2025-01-02"}`, []string{"person.id", "breakDefinition.id"}},
		{shiftwire.AccessClockings, `{"person":{"id":1},"date":"2025-01-02","timeOfDayInMinutes":0,"terminal":{"id":9},"status":"AccessOk"}`, []string{"terminal.id"}},
		{shiftwire.Assignments, `{"person":{"id":9},"from":"2025-01-06","activityLevels":[{"level":1,"activityDefinition":{"id":1}},{"level":2,"activityDefinition":{"id":9}}]}`,
			[]string{"person.id", "activityLevels[1].activityDefinition.id"}},
		{shiftwire.PaidPresences, `{"person":{"id":1},"date":"2025-01-02","shiftDefinition":{"id":9}}`, []string{"shiftDefinition.id"}},
		{shiftwire.CalculatedTotals, `{"person":{"id":9},"date":"2025-01-02"}`, []string{"person.id"}},
		{shiftwire.WorkInterruptions, `{"person":{"id":9},"date":"2025-01-02"}`, []string{"person.id"}},
	}
	for _, tt := range tests {
		_, err := shiftwire.WriteObjects(ctx, s, tn.ID, func(w *shiftwire.ObjectWriter) error {
			_, _, err := w.Put(ctx, decode(t, tt.collection, tt.body))
			return err
		})
		if got := fieldsOf(err); !slices.Equal(got, tt.want) {
			t.Errorf("%s %s: fields %q, want %q (%v)", tt.collection, tt.body, got, tt.want, err)
		}
	}
	if got := changes(t, s, tn); len(got) != len(before) {
		t.Fatalf("refused writes moved the change log: %d changes, want %d", len(got), len(before))
	}
}

// TestInstanceFilters checks the list filters of the dated instances: a date range of at
// most a year is required, person is accepted, counters also take counter-definitions and
// status, and assignments take person alone.
func TestInstanceFilters(t *testing.T) {
	dated := []string{shiftwire.Breaks, shiftwire.Counters, shiftwire.Absences, shiftwire.AccessClockings, shiftwire.ActivityDurations,
		shiftwire.CalculatedTotals, shiftwire.PaidPresences, shiftwire.WorkInterruptions, shiftwire.Clockings}
	for _, name := range dated {
		ct := collectionType(t, name)
		for _, tt := range []struct {
			filter string
			ok     bool
		}{
			{"", false},
			{"person eq 1", false},
			{"date ge '2025-01-01' and date le '2025-12-31' and person in (1,2)", true},
			{"date eq '2025-01-02'", true},
			{"date ge '2025-01-01' and date le '2026-01-01'", false},
			{"date eq '2025-01-02' and colour eq 'red'", false},
		} {
			if _, err := ct.Query(tt.filter); (err == nil) != tt.ok {
				t.Errorf("%s ?filter=%s: %v, want ok %v", name, tt.filter, err, tt.ok)
			}
		}
	}
	counters := collectionType(t, shiftwire.Counters)
	q, err := counters.Query("date eq '2025-01-02' and counter-definitions in (1,2) and status eq 'Auto'")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(q.Where); got != "[{date [] 2025-01-02 2025-01-02} {counter-definitions [1 2]  } {status [Auto]  }]" {
		t.Errorf("counters query %s", got)
	}
	for _, bad := range []string{"date eq '2025-01-02' and status eq 'Open'", "date eq '2025-01-02' and counter-definitions eq 'OT'", "date eq '2025-01-02' and kind eq 'InOut'"} {
		if _, err := counters.Query(bad); err == nil {
			t.Errorf("counters ?filter=%s is accepted", bad)
		}
	}
	assignments := collectionType(t, shiftwire.Assignments)
	for filter, ok := range map[string]bool{"": true, "person eq 1": true, "date eq '2025-01-02'": false} {
		if _, err := assignments.Query(filter); (err == nil) != ok {
			t.Errorf("assignments ?filter=%s: %v, want ok %v", filter, err, ok)
		}
	}
	for _, name := range []string{shiftwire.ShiftDefinitions, shiftwire.CounterDefinitions, shiftwire.CounterGroups, shiftwire.People, shiftwire.AbsenceDefinitions} {
		if _, err := collectionType(t, name).Query(""); err != nil {
			t.Errorf("%s needs a filter: %v", name, err)
		}
		if _, err := collectionType(t, name).Query("person eq 1"); err == nil {
			t.Errorf("%s accepts a person filter", name)
		}
	}
}

// TestEventReferencesOfEveryCollection checks, for each webhook collection, exactly which
// external references its events may carry: as the reference documents list them, and
// where they are silent, people's for objects with a person and custom ones for each other
// collection referred to.
func TestEventReferencesOfEveryCollection(t *testing.T) {
	people := "people:@badge-number,@employee-number,custom"
	want := map[string]string{
		shiftwire.BreakDefinitions:   "",
		shiftwire.Contracts:          "contracts:custom " + people,
		shiftwire.AbsenceGroups:      "",
		shiftwire.Clockings:          people + " terminals:@external-code,custom activity-definitions:@data-entry-code,@external-reference,custom absence-definitions:@absence-code,custom",
		shiftwire.People:             people,
		shiftwire.AbsenceDefinitions: "absence-groups:custom",
		shiftwire.WorkInterruptions:  people,
		shiftwire.Breaks:             people + " break-definitions:custom",
		shiftwire.AccessClockings:    people + " terminals:custom",
		shiftwire.ActivityDurations:  people + " absence-definitions:custom counter-definitions:custom shift-definitions:custom",
		shiftwire.Absences:           people + " absence-definitions:custom shift-definitions:custom",
		shiftwire.Counters:           people + " shift-definitions:custom counter-definitions:custom",
		shiftwire.CounterDefinitions: "counter-definitions:@counter-code,custom counter-groups:custom",
		shiftwire.CounterGroups:      "",
		shiftwire.ShiftDefinitions:   "",
		shiftwire.Assignments:        people + " activity-definitions:@data-entry-code,@external-reference,custom",
		shiftwire.CalculatedTotals:   people,
		shiftwire.PaidPresences:      people + " shift-definitions:@shift-code",
	}
	for _, ct := range shiftwire.Collections() {
		if !ct.Subscribable {
			continue
		}
		w, ok := want[ct.Name]
		if !ok {
			t.Errorf("%s: no expectation", ct.Name)
			continue
		}
		var parts []string
		for _, r := range ct.EventReferences().Rules {
			names := slices.Clone(r.Predefined)
			if r.Custom {
				names = append(names, "custom")
			}
			parts = append(parts, r.Collection+":"+strings.Join(names, ","))
		}
		if got := strings.Join(parts, " "); got != w {
			t.Errorf("%s events may carry\n %s\nwant\n %s", ct.Name, got, w)
		}
	}
}

// TestAddExternalReferencesToArrayElements checks that references held as the elements of
// an array, an activity duration's counterDefinitions, get their external references.
func TestAddExternalReferencesToArrayElements(t *testing.T) {
	ctx := context.Background()
	s, tn := openStore(t)
	save(t, s, tn, shiftwire.CounterDefinitions, `{"id":1,"name":{"default":"Overtime"},"code":"OT"}`, `{"id":2,"name":{"default":"Night"},"code":"NT"}`)
	if err := s.SetCustomReferences(ctx, tn.ID, shiftwire.CounterDefinitions, 2, map[string]string{"PAY": "P-2"}); err != nil {
		t.Fatal(err)
	}
	in := []json.RawMessage{json.RawMessage(`{"id":5,"counterDefinitions":[{"id":1},{"id":2}],"status":"Auto"}`)}
	out, err := shiftwire.AddExternalReferences(ctx, s, tn.ID, shiftwire.ActivityDurations, mustRefs(t, "(counter-definitions,PAY)"), in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":5,"counterDefinitions":[{"id":1,"externalReferences":{}},{"id":2,"externalReferences":{"PAY":"P-2"}}],"status":"Auto"}`; string(out[0]) != want {
		t.Fatalf("got  %s\nwant %s", out[0], want)
	}
}

// TestWebhookCollections checks which collections webhooks may subscribe to: the 18 of
// Protime's list, and not terminals or activity definitions.
func TestWebhookCollections(t *testing.T) {
	want := []string{"absences", "absence-definitions", "absence-groups", "access-clockings", "activity-durations",
		"assignments", "break-definitions", "breaks", "calculated-totals", "clockings", "contracts",
		"counters", "counter-definitions", "counter-groups", "paid-presences", "people",
		"shift-definitions", "work-interruptions"}
	var got []string
	for _, ct := range shiftwire.Collections() {
		if ct.Subscribable {
			got = append(got, ct.Name)
		}
		if _, err := shiftwire.SubscribableCollection(ct.Name); (err == nil) != ct.Subscribable {
			t.Errorf("SubscribableCollection(%s) = %v", ct.Name, err)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("webhook collections %q, want %q", got, want)
	}
	for _, name := range []string{shiftwire.Terminals, shiftwire.ActivityDefinitions} {
		if _, err := shiftwire.SubscribableCollection(name); err == nil || !strings.Contains(err.Error(), "unknown collection name") {
			t.Errorf("SubscribableCollection(%s) = %v, want unknown collection name", name, err)
		}
	}
}

package shiftwire_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/shiftwire/shiftwire"
)

// decodeCase is a write body and the fields whose problems its 400 must list, in order; nil
// when the body is valid.
type decodeCase struct {
	name, collection, body string
	want                   []string
}

// checkDecodeCases decodes every case and compares the fields of its problems.
func checkDecodeCases(t *testing.T, tests []decodeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.collection+"/"+tt.name, func(t *testing.T) {
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

// checkDefaults decodes each body and compares the record's JSON, what is stored.
func checkDefaults(t *testing.T, tests []struct{ collection, body, want string }) {
	t.Helper()
	for _, tt := range tests {
		got, err := json.Marshal(decode(t, tt.collection, tt.body))
		if err != nil || string(got) != tt.want {
			t.Errorf("%s %s\n got %s, %v\nwant %s", tt.collection, tt.body, got, err, tt.want)
		}
	}
}

// TestDecodeDefinitionsAndPeople checks the field rules of people, absence definitions,
// shift definitions, counter definitions and counter groups, and of a clocking's isOpen.
func TestDecodeDefinitionsAndPeople(t *testing.T) {
	const person = `"lastName":"Peeters"`
	checkDecodeCases(t, []decodeCase{
		{"every field", shiftwire.People, collectionType(t, shiftwire.People).Example, nil},
		{"missing lastName", shiftwire.People, `{"firstName":"Ann"}`, []string{"lastName"}},
		{"bad enums", shiftwire.People, `{` + person + `,"sex":"F","maritalStatus":"Widowed"}`, []string{"sex", "maritalStatus"}},
		{"every enum value", shiftwire.People, `{` + person + `,"sex":"Other","maritalStatus":"LivingTogether"}`, nil},
		{"bad dates", shiftwire.People, `{` + person + `,"periodClosingDate":"31/12/2024","birthDate":"1985-02-29","inServiceDate":"2020-01-01T00:00:00","wtdStartDate":20200101}`,
			[]string{"periodClosingDate", "birthDate", "inServiceDate", "wtdStartDate"}},
		{"out of service before in service", shiftwire.People, `{` + person + `,"inServiceDate":"2020-01-01","outOfServiceDate":"2019-12-31"}`, []string{"outOfServiceDate"}},
		{"out of service on the first day", shiftwire.People, `{` + person + `,"inServiceDate":"2020-01-01","outOfServiceDate":"2020-01-01"}`, nil},
		{"bad codes", shiftwire.People, `{` + person + `,"countryIsoCode":"be","nationalityIsoCode":"Belgium","terminalLanguageISOCode":"dutch"}`,
			[]string{"countryIsoCode", "nationalityIsoCode", "terminalLanguageISOCode"}},
		{"three-letter codes", shiftwire.People, `{` + person + `,"countryIsoCode":"BEL","nationalityIsoCode":"NLD","terminalLanguageISOCode":"nl-BE"}`, nil},
		{"negative amounts and PIN", shiftwire.People, `{` + person + `,"hourlyRate":-1,"maxAdvance":-0.5,"pinCode":-1}`, []string{"hourlyRate", "maxAdvance", "pinCode"}},
		{"wrong types", shiftwire.People, `{` + person + `,"hourlyRate":"21.5","pinCode":12.5,"terminalGroup":3,"telephone":32}`,
			[]string{"telephone", "terminalGroup", "hourlyRate", "pinCode"}},
		{"ids of collections Shiftwire does not hold", shiftwire.People, `{` + person + `,"hourlyRateCurrencyDefinition":{"id":0},"advanceCurrencyDefinition":{},"terminalGroup":{"id":"4"}}`,
			[]string{"hourlyRateCurrencyDefinition.id", "advanceCurrencyDefinition.id", "terminalGroup.id"}},
		{"ISO spelled as the GET pages do", shiftwire.People, `{` + person + `,"countryISOCode":"BE"}`, []string{"countryISOCode"}},

		{"every field", shiftwire.AbsenceDefinitions, collectionType(t, shiftwire.AbsenceDefinitions).Example, nil},
		{"missing name", shiftwire.AbsenceDefinitions, `{"code":"ZK"}`, []string{"name"}},
		{"bad allowed durations", shiftwire.AbsenceDefinitions, `{"name":{"default":"x"},"allowedDurations":["FullDay","Hours",1,"FullDay"]}`,
			[]string{"allowedDurations[1]", "allowedDurations[2]", "allowedDurations[3]"}},
		{"every allowed duration", shiftwire.AbsenceDefinitions, `{"name":{"default":"x"},"allowedDurations":["Unknown","FullDay","HalfDay","Interval","Duration"]}`, nil},
		{"allowed durations not a list", shiftwire.AbsenceDefinitions, `{"name":{"default":"x"},"allowedDurations":"FullDay"}`, []string{"allowedDurations"}},
		{"wrong types", shiftwire.AbsenceDefinitions, `{"name":{"default":"x"},"friendlyName":"Sick","friendlyCode":{"default":""},"isEnabled":"yes","absenceGroup":{"id":-1}}`,
			[]string{"friendlyName", "friendlyCode.default", "isEnabled", "absenceGroup.id"}},

		{"every field", shiftwire.ShiftDefinitions, collectionType(t, shiftwire.ShiftDefinitions).Example, nil},
		{"missing name", shiftwire.ShiftDefinitions, `{"code":"VRG","isEnabled":false}`, []string{"name"}},
		{"no friendly code", shiftwire.ShiftDefinitions, `{"name":{"default":"x"},"friendlyCode":{"default":"x"}}`, []string{"friendlyCode"}},
		{"wrong types", shiftwire.ShiftDefinitions, `{"name":{"default":"x"},"code":7,"isEnabled":1}`, []string{"code", "isEnabled"}},

		{"every field", shiftwire.CounterDefinitions, collectionType(t, shiftwire.CounterDefinitions).Example, nil},
		{"bad unit", shiftwire.CounterDefinitions, `{"name":{"default":"x"},"unit":"Hours"}`, []string{"unit"}},
		{"every unit", shiftwire.CounterDefinitions, `{"name":{"default":"x"},"unit":"Instance"}`, nil},
		{"everything wrong", shiftwire.CounterDefinitions, `{"name":{"translations":{}},"code":"` + strings.Repeat("x", 201) + `","counterGroup":{"id":2147483648},"unit":null,"colour":"red"}`,
			[]string{"name.default", "code", "counterGroup.id", "colour"}},

		{"every field", shiftwire.CounterGroups, collectionType(t, shiftwire.CounterGroups).Example, nil},
		{"missing name", shiftwire.CounterGroups, `{}`, []string{"name"}},
		{"unknown field", shiftwire.CounterGroups, `{"name":{"default":"x"},"code":"OT"}`, []string{"code"}},

		{"isOpen on a Reason clocking", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"Reason","reason":{"id":1},"isOpen":true}`, nil},
		{"isOpen on InOut", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"InOut","isOpen":false}`, []string{"isOpen"}},
		{"isOpen not a boolean", shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"Reason","reason":{"id":1},"isOpen":"yes"}`, []string{"isOpen"}},
	})
}

// TestDecodeDefinitionDefaults checks what the server fills in for a definition or a person
// written with the least it needs.
func TestDecodeDefinitionDefaults(t *testing.T) {
	checkDefaults(t, []struct{ collection, body, want string }{
		// A person with only the fields of earlier versions is stored as it was then.
		{shiftwire.People, `{"firstName":"An","lastName":"Peeters","badgeNumber":"1","employeeNumber":"E-1","email":"an@example.com"}`,
			`{"id":0,"lastName":"Peeters","firstName":"An","email":"an@example.com","employeeNumber":"E-1","badgeNumber":"1"}`},
		{shiftwire.People, `{"lastName":"Peeters","hourlyRate":0,"pinCode":0}`, `{"id":0,"lastName":"Peeters","hourlyRate":0,"pinCode":0}`},
		{shiftwire.AbsenceDefinitions, `{"name":{"default":"Sick"}}`,
			`{"id":0,"name":{"default":"Sick","translations":{}},"friendlyName":{"default":"Sick","translations":{}},"isEnabled":true,"isReasonForClocking":false}`},
		{shiftwire.AbsenceDefinitions, `{"name":{"default":"Sick"},"code":"ZK","isEnabled":false}`,
			`{"id":0,"name":{"default":"Sick","translations":{}},"code":"ZK","friendlyName":{"default":"Sick","translations":{}},"friendlyCode":{"default":"ZK","translations":{}},"isEnabled":false,"isReasonForClocking":false}`},
		{shiftwire.ShiftDefinitions, `{"name":{"default":"Early"},"code":"E"}`,
			`{"id":0,"name":{"default":"Early","translations":{}},"code":"E","friendlyName":{"default":"Early","translations":{}},"isEnabled":true}`},
		{shiftwire.CounterDefinitions, `{"name":{"default":"Overtime"}}`,
			`{"id":0,"name":{"default":"Overtime","translations":{}},"friendlyName":{"default":"Overtime","translations":{}},"isEnabled":true,"unit":"Unknown"}`},
		{shiftwire.CounterGroups, `{"name":{"default":"Overtime"}}`, `{"id":0,"name":{"default":"Overtime","translations":{}}}`},
		{shiftwire.Clockings, `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":0,"kind":"Reason","reason":{"id":1}}`,
			`{"id":0,"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":0,"calculatedTimeOfDayInMinutes":0,"isGenerated":false,"kind":"Reason","reason":{"id":1},"isOpen":false,"status":""}`},
	})
}

// TestStoredAbsenceDefinitionIsEnabled checks that an absence definition stored before
// isEnabled existed reads as enabled, as one written without it is.
func TestStoredAbsenceDefinitionIsEnabled(t *testing.T) {
	r, err := collectionType(t, shiftwire.AbsenceDefinitions).Unmarshal([]byte(`{"id":1,"name":{"default":"Dokter","translations":{}},"code":"DOC","isReasonForClocking":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if a := r.(*shiftwire.AbsenceDefinition); !a.IsEnabled || a.Code != "DOC" || !a.IsReasonForClocking || a.ID != 1 {
		t.Fatalf("read %+v", a)
	}
	r, _ = collectionType(t, shiftwire.AbsenceDefinitions).Unmarshal([]byte(`{"id":2,"name":{"default":"x","translations":{}},"isEnabled":false}`))
	if r.(*shiftwire.AbsenceDefinition).IsEnabled {
		t.Fatal("isEnabled false read as true")
	}
}

// TestDefinitionReferences checks that the references of definitions must name existing
// objects, and that the predefined references @shift-code and @counter-code find them.
func TestDefinitionReferences(t *testing.T) {
	ctx := context.Background()
	s, tn := openStore(t)
	save(t, s, tn, shiftwire.AbsenceGroups, `{"id":1,"name":{"default":"Sickness"},"type":"Absence"}`)
	save(t, s, tn, shiftwire.CounterGroups, `{"id":1,"name":{"default":"Overtime"}}`)
	save(t, s, tn, shiftwire.ShiftDefinitions, `{"id":1,"name":{"default":"Early"},"code":"VRG"}`)
	save(t, s, tn, shiftwire.CounterDefinitions, `{"id":1,"name":{"default":"Overtime"},"code":"OT150","counterGroup":{"id":1}}`)
	save(t, s, tn, shiftwire.AbsenceDefinitions, `{"id":1,"name":{"default":"Sick"},"absenceGroup":{"id":1}}`)
	before := changes(t, s, tn)
	for _, tt := range []struct{ collection, body, want string }{
		{shiftwire.AbsenceDefinitions, `{"name":{"default":"x"},"absenceGroup":{"id":2}}`, "absenceGroup.id"},
		{shiftwire.CounterDefinitions, `{"name":{"default":"x"},"counterGroup":{"id":2}}`, "counterGroup.id"},
	} {
		_, err := shiftwire.WriteObjects(ctx, s, tn.ID, func(w *shiftwire.ObjectWriter) error {
			_, _, err := w.Put(ctx, decode(t, tt.collection, tt.body))
			return err
		})
		if got := fieldsOf(err); !slices.Equal(got, []string{tt.want}) || !strings.Contains(err.Error(), "which does not exist") {
			t.Errorf("%s %s: %v, want a missing %s", tt.collection, tt.body, err, tt.want)
		}
	}
	if got := changes(t, s, tn); len(got) != len(before) {
		t.Fatalf("refused writes moved the change log")
	}
	for _, k := range []struct{ collection, name, value string }{
		{shiftwire.ShiftDefinitions, shiftwire.RefShiftCode, "VRG"},
		{shiftwire.CounterDefinitions, shiftwire.RefCounterCode, "OT150"},
	} {
		if o, err := s.ObjectByKey(ctx, tn.ID, k.collection, k.name, k.value); err != nil || o.ID != 1 {
			t.Errorf("ObjectByKey(%s, %s, %s) = %v, %v", k.collection, k.name, k.value, o, err)
		}
	}
}

// TestSavingCounterGroupResavesAll checks that counter groups are saved together, as absence
// groups are.
func TestSavingCounterGroupResavesAll(t *testing.T) {
	ctx := context.Background()
	s, tn := openStore(t)
	save(t, s, tn, shiftwire.CounterGroups, `{"id":1,"name":{"default":"Overtime"}}`, `{"id":2,"name":{"default":"Night"}}`, `{"id":3,"name":{"default":"Weekend"}}`)
	mark := changes(t, s, tn)[2].Version
	sum, err := shiftwire.WriteObjects(ctx, s, tn.ID, func(w *shiftwire.ObjectWriter) error {
		_, _, err := w.Put(ctx, decode(t, shiftwire.CounterGroups, `{"id":2,"name":{"default":"Night work"}}`))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := s.Changes(ctx, tn.ID, mark, 100)
	var ids []int64
	for _, c := range after {
		ids = append(ids, c.ObjectID)
	}
	if !slices.Equal(ids, []int64{2, 1, 3}) || sum.Changes != 3 {
		t.Fatalf("changes after saving group 2 are for %v, want [2 1 3]", ids)
	}
}

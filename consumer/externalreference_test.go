package consumer_test

import (
	"reflect"
	"testing"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/consumer"
)

func TestExternalReferences(t *testing.T) {
	body := `{"changeType":"InsertOrUpdate","data":{"changeVersion":"0000000000000000002A","id":12,` +
		`"person":{"id":7,"externalReferences":{"@badge-number":"6767676","HRMID":"A-1"}},"date":"2025-03-17","timeOfDayInMinutes":480,` +
		`"terminal":{"id":1,"externalReferences":{}},"kind":"Activity",` +
		`"activityLevels":[{"level":1,"activityDefinition":{"id":3,"externalReferences":{"@external-code":"PRJ-9"}}}],"status":"Active"}}`
	events, err := consumer.Decode(shiftwire.Clockings, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{
		"person":                               {"@badge-number": "6767676", "HRMID": "A-1"},
		"terminal":                             {},
		"activityLevels[0].activityDefinition": {"@external-code": "PRJ-9"},
	}
	if got := events[0].ExternalReferences(); !reflect.DeepEqual(got, want) {
		t.Fatalf("ExternalReferences() = %v, want %v", got, want)
	}
	if c := events[0].Object.(*shiftwire.Clocking); c.Person.ID != 7 || c.ActivityLevels[0].ActivityDefinition.ID != 3 {
		t.Fatalf("the references' ids: %+v", c)
	}

	own := `{"changeType":"InsertOrUpdate","data":{"changeVersion":"0000000000000000002B","id":4,"externalReferences":{"HRCODE":"C-4"},` +
		`"person":{"id":7},"from":"2025-01-01"}}`
	events, err = consumer.Decode(shiftwire.Contracts, []byte(own))
	if err != nil {
		t.Fatal(err)
	}
	if got := events[0].ExternalReferences(); !reflect.DeepEqual(got, map[string]map[string]string{"": {"HRCODE": "C-4"}}) {
		t.Fatalf("a contract's own references: %v", got)
	}
	if got := (consumer.Event{Data: []byte(`{"id":1,"person":{"id":2}}`)}).ExternalReferences(); got != nil {
		t.Fatalf("no references: %v", got)
	}
}

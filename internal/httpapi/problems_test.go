package httpapi_test

import (
	"strings"
	"testing"

	"github.com/shiftwire/shiftwire/internal/httpapi"
)

// TestFieldProblemsAndMissingReferencesTogether: a write whose body breaks field rules and
// refers to missing objects is one 400 listing both, in the body's order with the missing
// references last, for POST, PUT and the lines of POST /changes; nothing is written.
func TestFieldProblemsAndMissingReferencesTogether(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{})
	a.seedReferences()
	const timeAndPerson = `{"validationErrors":[{"field":"timeOfDayInMinutes","message":"must be from -1440 to 2880"},{"field":"person.id","message":"refers to people 404, which does not exist"}]}`
	tests := []struct {
		name, method, path, body, want string
	}{
		{"POST", "POST", "clockings", `{"person":{"id":404},"date":"2024-01-02","timeOfDayInMinutes":2881,"kind":"InOut"}`, timeAndPerson},
		{"PUT", "PUT", "clockings/5", `{"person":{"id":404},"date":"2024-01-02","timeOfDayInMinutes":2881,"kind":"InOut"}`, timeAndPerson},
		{"every reference", "POST", "clockings", `{"person":{"id":404},"date":"2024-02-30","timeOfDayInMinutes":480,"terminal":{"id":405},"kind":"Activity","activityLevels":[{"level":0,"activityDefinition":{"id":406}},{"level":2,"activityDefinition":{"id":1}}]}`,
			`{"validationErrors":[{"field":"date","message":"must be a date written YYYY-MM-DD that exists, such as 2024-02-29; got \"2024-02-30\""},{"field":"activityLevels[0].level","message":"must be from 1 to 99"},` +
				`{"field":"person.id","message":"refers to people 404, which does not exist"},{"field":"terminal.id","message":"refers to terminals 405, which does not exist"},{"field":"activityLevels[0].activityDefinition.id","message":"refers to activity-definitions 406, which does not exist"}]}`},
		// A reference at a field that has a problem of its own is not looked up: its problem
		// says enough.
		{"a reference not allowed", "POST", "clockings", `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":2881,"kind":"InOut","reason":{"id":404}}`,
			`{"validationErrors":[{"field":"timeOfDayInMinutes","message":"must be from -1440 to 2880"},{"field":"reason","message":"is only allowed on a clocking of kind Reason, not InOut"}]}`},
		{"an id out of range", "POST", "contracts", `{"person":{"id":-4},"from":"2024-13-01"}`,
			`{"validationErrors":[{"field":"person.id","message":"must be an integer from 1 to 2147483647"},{"field":"from","message":"must be a date written YYYY-MM-DD that exists, such as 2024-02-29; got \"2024-13-01\""}]}`},
		// A body that is not strict JSON has that one problem.
		{"duplicate key", "POST", "clockings", `{"person":{"id":404},"date":"2024-01-02","date":"2024-01-03","timeOfDayInMinutes":2881,"kind":"InOut"}`,
			`{"validationErrors":[{"field":"date","message":"appears more than once in its object; each key must be unique"}]}`},
		{"POST /changes", "POST", "changes", strings.Join([]string{
			// Line 1 breaks a rule; line 2 refers to the person line 1 would have written,
			// which is not reported again.
			`{"collection":"people","changeType":"InsertOrUpdate","data":{"id":40,"lastName":"Maes","email":"not an address"}}`,
			`{"collection":"contracts","changeType":"InsertOrUpdate","data":{"person":{"id":40},"from":"2024-01-01"}}`,
			`{"collection":"clockings","changeType":"InsertOrUpdate","data":{"person":{"id":404},"date":"2024-01-02","timeOfDayInMinutes":2881,"kind":"InOut"}}`,
			`{"collection":"clockings","changeType":"InsertOrUpdate","data":{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":480,"terminal":{"id":405},"kind":"InOut"}}`,
			`{"collection":"payslips","changeType":"InsertOrUpdate","data":{"person":{"id":404}}}`,
			`{"collection":"terminals","changeType":"Delete","data":{"id":405}}`,
		}, "\n"),
			`{"validationErrors":[{"field":"line 1: email","message":"must be an e-mail address such as jan.peeters@example.com"},` +
				`{"field":"line 3: timeOfDayInMinutes","message":"must be from -1440 to 2880"},{"field":"line 3: person.id","message":"refers to people 404, which does not exist"},` +
				`{"field":"line 4: terminal.id","message":"refers to terminals 405, which does not exist"},` +
				`{"field":"line 5: collection","message":"unknown collection name \"payslips\""},` +
				`{"field":"line 6: id","message":"terminals 405 not found"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := a.changeCount()
			r := a.do(tt.method, apiBase+tt.path, a.all, tt.body)
			if r.status != 400 || strings.TrimSpace(string(r.body)) != tt.want {
				t.Errorf("%s %s:\n got %s\nwant 400 %s", tt.method, tt.path, r, tt.want)
			}
			if after := a.changeCount(); after != before {
				t.Errorf("the change log moved by %d", after-before)
			}
		})
	}
	a.must(404, "GET", apiBase+"people/40", nil)
}

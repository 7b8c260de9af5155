package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shiftwire/shiftwire/internal/httpapi"
)

// TestStrictJSONBodies sends a duplicate key and invalid UTF-8 to every route that reads a
// JSON body: each is a 400 naming the field, and nothing is written (SPEC section 10).
func TestStrictJSONBodies(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{})
	a.seedReferences()
	change := func(data string) string {
		return `{"collection":"people","changeType":"InsertOrUpdate","data":` + data + `}`
	}
	tests := []struct {
		name, method, path, body string
		field, message           string
	}{
		{"webhook, duplicate", "POST", "webhooks", `{"destinationUrl":"https://example.com/a","collectionName":"clockings","destinationUrl":"https://example.com/b"}`,
			"destinationUrl", "appears more than once"},
		{"webhook, UTF-8", "POST", "webhooks", "{\"destinationUrl\":\"https://example.com/\xff\",\"collectionName\":\"clockings\"}",
			"destinationUrl", "not valid UTF-8"},
		{"create, duplicate", "POST", "people", `{"firstName":"An","lastName":"A","lastName":"B"}`, "lastName", "appears more than once"},
		{"create, nested duplicate", "POST", "clockings", `{"person":{"id":1,"id":2},"date":"2024-01-02","timeOfDayInMinutes":480,"kind":"InOut"}`,
			"person.id", "appears more than once"},
		{"create, UTF-8", "POST", "people", "{\"lastName\":\"Zo\xeb\"}", "lastName", "not valid UTF-8"},
		{"create, lone surrogate", "POST", "people", `{"lastName":"\udead"}`, "lastName", "surrogate"},
		{"replace, duplicate", "PUT", "people/1", `{"lastName":"A","lastName":"B"}`, "lastName", "appears more than once"},
		{"replace, UTF-8", "PUT", "people/1", "{\"lastName\":\"\xc3\"}", "lastName", "not valid UTF-8"},
		{"changes, duplicate", "POST", "changes", change(`{"lastName":"A"}`) + "\n" + change(`{"lastName":"A","lastName":"B"}`),
			"line 2: lastName", "appears more than once"},
		{"changes, duplicate member", "POST", "changes", `{"collection":"people","collection":"terminals","changeType":"InsertOrUpdate","data":{"name":"x"}}`,
			"line 1: collection", "appears more than once"},
		{"changes, UTF-8", "POST", "changes", change("{\"lastName\":\"\xff\"}"), "line 1: lastName", "not valid UTF-8"},
		{"changes array, duplicate", "POST", "changes", `[` + change(`{"lastName":"A"}`) + `,` + change(`{"lastName":"A","lastName":"B"}`) + `]`,
			"line 2: lastName", "appears more than once"},
		{"changes array, UTF-8", "POST", "changes", "[" + change("{\"lastName\":\"\xff\"}") + "]", "line 1: lastName", "not valid UTF-8"},
		{"references, duplicate", "PUT", "external-references/people/1", `{"HRMID":"A-1","HRMID":"A-2"}`, "HRMID", "appears more than once"},
		{"references, UTF-8", "PUT", "external-references/people/1", "{\"HRMID\":\"\xff\"}", "HRMID", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := a.changeCount()
			r := a.do(tt.method, apiBase+tt.path, a.all, tt.body)
			var body struct {
				ValidationErrors []struct{ Field, Message string }
			}
			if err := json.Unmarshal(r.body, &body); err != nil || r.status != 400 || len(body.ValidationErrors) != 1 {
				t.Fatalf("%s, want 400 with one validation error", r)
			}
			if got := body.ValidationErrors[0]; got.Field != tt.field || !strings.Contains(got.Message, tt.message) {
				t.Fatalf("problem %+v, want field %q and a message with %q", got, tt.field, tt.message)
			}
			if a.changeCount() != before {
				t.Fatal("a refused body was written")
			}
		})
	}
	r := a.must(200, "GET", apiBase+"external-references/people/1", nil)
	if strings.Contains(string(r.body), "HRMID") {
		t.Fatalf("a refused reference was kept: %s", r.body)
	}
}

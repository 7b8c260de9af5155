package httpapi_test

import (
	"strings"
	"testing"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/httpapi"
)

func TestPutExternalReferences(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{})
	a.seedReferences()
	path := apiBase + "external-references/people/1"
	before := a.changeCount()
	r := a.must(200, "PUT", path, `{"HRMID":"A-1","payroll":"P-7","old":""}`)
	if strings.TrimSpace(string(r.body)) != `{"HRMID":"A-1","payroll":"P-7"}` {
		t.Fatalf("answer %s", r.body)
	}
	r = a.must(200, "GET", path, nil)
	if strings.TrimSpace(string(r.body)) != `{"@badge-number":"6767676","@employee-number":"E-1","HRMID":"A-1","payroll":"P-7"}` {
		t.Fatalf("GET %s", r.body)
	}
	a.must(200, "PUT", path, `{"HRMID":"A-2"}`)
	r = a.must(200, "GET", apiBase+"people/A-2?externalReferences=(people,HRMID)", nil)
	if !strings.Contains(string(r.body), `"externalReferences":{"HRMID":"A-2"}`) {
		t.Fatalf("replaced references: %s", r.body)
	}
	if a.changeCount() != before {
		t.Fatal("setting external references made change-log entries")
	}

	only := a.token(shiftwire.ScopeExternalReferencesWrite)
	for _, tt := range []struct {
		method, path, token, body string
		status                    int
		want                      string
	}{
		{"PUT", path, only, `{"HRMID":"A-3"}`, 200, `{"HRMID":"A-3"}`},
		{"PUT", path, a.token(shiftwire.WriteScope(shiftwire.People)), `{"HRMID":"A-3"}`, 401, "lacks the scope connector-protimeapi-external-references.write"},
		{"PUT", apiBase + "external-references/people/404", only, `{"HRMID":"A-3"}`, 404, "NotFound"},
		{"PUT", apiBase + "external-references/payslips/1", only, `{"HRMID":"A-3"}`, 404, "unknown collection"},
		{"PUT", apiBase + "external-references/people/x", only, `{"HRMID":"A-3"}`, 404, "NotFound"},
		{"PUT", path, only, `{"@badge-number":"1","a b":"c","n":1}`, 400, `"field":"@badge-number"`},
		{"PUT", path, only, `["HRMID"]`, 400, "validationErrors"},
		{"GET", path, only, ``, 401, "people.read"},
	} {
		r := a.do(tt.method, tt.path, tt.token, tt.body)
		if r.status != tt.status || !strings.Contains(string(r.body), tt.want) {
			t.Errorf("%s %s: %s, want %d with %s", tt.method, tt.path, r, tt.status, tt.want)
		}
	}
}

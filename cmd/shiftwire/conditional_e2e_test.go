package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

const objectsPath = "/connector/protimeapi/api/v1/"

// conditional makes an API call as acme with a header, such as If-Match, set.
func (f *fixture) conditional(method, path, body, header, value string) *apiResponse {
	f.t.Helper()
	return f.do(apiRequest{method: method, path: objectsPath + path, host: acmeHost, token: f.token(f.acme), body: body,
		header: http.Header{header: {value}}})
}

// objectVersion reads the changeVersion of a rendered object, and of the list it is the
// only member of.
func objectVersion(t *testing.T, r *apiResponse) string {
	t.Helper()
	var o struct {
		ChangeVersion string `json:"changeVersion"`
		Value         []struct {
			ChangeVersion string `json:"changeVersion"`
		} `json:"value"`
	}
	if err := json.Unmarshal(r.body, &o); err != nil {
		t.Fatalf("%s: %v", r.body, err)
	}
	if len(o.Value) == 1 {
		return o.Value[0].ChangeVersion
	}
	return o.ChangeVersion
}

// TestConditionalRequestsEndToEnd: single reads carry an ETag, the object's changeVersion;
// an If-None-Match naming it is 304; a PUT or DELETE whose If-Match is not current is 409
// and leaves the object, its version and the change log as they were; a current one, or *,
// writes.
func TestConditionalRequestsEndToEnd(t *testing.T) {
	f := newFixture(t)
	created := f.call(f.acme, http.MethodPost, objectsPath+"people", `{"id":7,"lastName":"Peeters","badgeNumber":"6767676"}`)
	created.wantStatus(t, http.StatusCreated)
	v := objectVersion(t, created)
	tag := `"` + v + `"`
	if got := created.header.Get("ETag"); got != tag {
		t.Fatalf("POST: ETag %q, want %q", got, tag)
	}
	for _, path := range []string{"people/7", "people/6767676?externalReferences=(people,@badge-number)"} {
		r := f.call(f.acme, http.MethodGet, objectsPath+path, "")
		r.wantStatus(t, http.StatusOK)
		if r.header.Get("ETag") != tag || objectVersion(t, r) != v {
			t.Fatalf("GET %s: ETag %q, body %s; want %s", path, r.header.Get("ETag"), r.body, tag)
		}
		for _, inm := range []string{tag, "W/" + tag, "*", `"0000000000000000FFFF", ` + tag} {
			r := f.conditional(http.MethodGet, path, "", "If-None-Match", inm)
			if r.status != http.StatusNotModified || len(r.body) != 0 || r.header.Get("ETag") != tag {
				t.Fatalf("GET %s If-None-Match %s: %d %q, ETag %q; want 304 without a body", path, inm, r.status, r.body, r.header.Get("ETag"))
			}
		}
	}

	// Stale or weak tags: 409 in Protime's error body, nothing written.
	for _, im := range []string{`"0000000000000000FFFF"`, "W/" + tag} {
		f.conditional(http.MethodPut, "people/7", `{"lastName":"Janssens"}`, "If-Match", im).wantError(t, http.StatusConflict, "Conflict", "If-Match")
		f.conditional(http.MethodDelete, "people/7", "", "If-Match", im).wantError(t, http.StatusConflict, "Conflict", "If-Match")
	}
	f.conditional(http.MethodPut, "people/8", `{"lastName":"New"}`, "If-Match", "*").wantError(t, http.StatusConflict, "Conflict", "does not exist")
	r := f.call(f.acme, http.MethodGet, objectsPath+"people/7", "")
	if objectVersion(t, r) != v || !strings.Contains(string(r.body), `"lastName":"Peeters"`) {
		t.Fatalf("after refused writes: %s, want version %s and the old name", r.body, v)
	}
	if lv := objectVersion(t, f.call(f.acme, http.MethodGet, objectsPath+"people", "")); lv != v {
		t.Fatalf("the list shows version %s, want %s", lv, v)
	}
	f.call(f.acme, http.MethodGet, objectsPath+"people/8", "").wantError(t, http.StatusNotFound, "NotFound")

	// The current tag, then *: each writes and moves the version on.
	r = f.conditional(http.MethodPut, "people/7", `{"lastName":"Janssens","badgeNumber":"6767676"}`, "If-Match", tag)
	r.wantStatus(t, http.StatusOK)
	v2 := objectVersion(t, r)
	if v2 <= v || r.header.Get("ETag") != "" {
		t.Fatalf("PUT with the current tag: version %s after %s, ETag %q", v2, v, r.header.Get("ETag"))
	}
	if r := f.conditional(http.MethodGet, "people/7", "", "If-None-Match", tag); r.status != http.StatusOK || objectVersion(t, r) != v2 {
		t.Fatalf("GET with the old tag after a change: %d %s, want 200 with %s", r.status, r.body, v2)
	}
	r = f.conditional(http.MethodPut, "people/7", `{"lastName":"Maes"}`, "If-Match", "*")
	r.wantStatus(t, http.StatusOK)
	v3 := objectVersion(t, r)
	f.conditional(http.MethodDelete, "people/7", "", "If-Match", `"`+v2+`"`).wantError(t, http.StatusConflict, "Conflict")
	f.conditional(http.MethodDelete, "people/7", "", "If-Match", `"`+v3+`"`).wantStatus(t, http.StatusNoContent)
	f.call(f.acme, http.MethodGet, objectsPath+"people/7", "").wantError(t, http.StatusNotFound, "NotFound")
}

// TestEveryProblemEndToEnd: a write with a field problem and a reference to a missing
// object lists both, for POST, PUT and POST /changes, and writes nothing.
func TestEveryProblemEndToEnd(t *testing.T) {
	f := newFixture(t)
	const clocking = `{"person":{"id":404},"date":"2024-01-02","timeOfDayInMinutes":2881,"kind":"InOut"}`
	f.call(f.acme, http.MethodPost, objectsPath+"clockings", clocking).wantValidation(t, "timeOfDayInMinutes", "person.id")
	f.call(f.acme, http.MethodPut, objectsPath+"clockings/3", clocking).wantValidation(t, "timeOfDayInMinutes", "person.id")
	f.call(f.acme, http.MethodPost, changesPath,
		`{"collection":"people","changeType":"InsertOrUpdate","data":{"id":1,"lastName":"Peeters"}}`+"\n"+
			`{"collection":"clockings","changeType":"InsertOrUpdate","data":{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":480,"kind":"InOut","terminal":{"id":9}}}`+"\n"+
			`{"collection":"clockings","changeType":"InsertOrUpdate","data":`+clocking+`}`+"\n").
		wantValidation(t, "line 2: terminal.id", "line 3: timeOfDayInMinutes", "line 3: person.id")
	f.call(f.acme, http.MethodGet, objectsPath+"people/1", "").wantError(t, http.StatusNotFound, "NotFound")
	var page struct {
		Value []json.RawMessage `json:"value"`
	}
	f.call(f.acme, http.MethodGet, objectsPath+"clockings?filter="+strings.ReplaceAll("date eq '2024-01-02'", " ", "%20"), "").decode(t, &page)
	if len(page.Value) != 0 {
		t.Fatalf("refused writes stored clockings: %s", page.Value)
	}
}

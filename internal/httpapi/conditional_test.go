package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/shiftwire/shiftwire/internal/httpapi"
)

// versionOf returns the changeVersion of a rendered object.
func versionOf(t *testing.T, body []byte) string {
	t.Helper()
	var o struct {
		ChangeVersion string `json:"changeVersion"`
	}
	if err := json.Unmarshal(body, &o); err != nil || len(o.ChangeVersion) != 20 {
		t.Fatalf("no changeVersion in %s (%v)", body, err)
	}
	return o.ChangeVersion
}

// TestConditionalReads: a single read carries the object's changeVersion as its ETag, and an
// If-None-Match naming it (strongly or weakly, alone, in a list, or as *) is 304 without a
// body, whether the object is read by id or by an external reference.
func TestConditionalReads(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{})
	a.seedReferences()
	created := a.must(201, "POST", apiBase+"terminals", `{"id":5,"name":"Gate","externalCode":"T-GATE"}`)
	v := versionOf(t, created.body)
	tag := `"` + v + `"`
	if got := created.header.Get("ETag"); got != tag {
		t.Fatalf("POST answered ETag %q, want %q", got, tag)
	}

	byID := apiBase + "terminals/5"
	byRef := apiBase + "terminals/T-GATE?externalReferences=(terminals,@external-code)"
	for _, path := range []string{byID, byRef} {
		r := a.do("GET", path, a.all, nil)
		if r.status != 200 || r.header.Get("ETag") != tag || versionOf(t, r.body) != v {
			t.Fatalf("GET %s: %s with ETag %q, want 200 with %s", path, r, r.header.Get("ETag"), tag)
		}
		for _, inm := range []string{tag, "W/" + tag, "*", `"00000000000000000001", ` + tag, `W/"x", ` + tag + `,"y"`} {
			r := a.do("GET", path, a.all, nil, "If-None-Match", inm)
			if r.status != http.StatusNotModified || len(r.body) != 0 || r.header.Get("ETag") != tag {
				t.Errorf("GET %s If-None-Match %s: %s with ETag %q, want 304 without a body and ETag %s", path, inm, r, r.header.Get("ETag"), tag)
			}
		}
		for _, inm := range []string{`"00000000000000000001"`, `"` + v + ` "`, `"0x` + v[2:] + `"`, v, `""`, ""} {
			r := a.do("GET", path, a.all, nil, "If-None-Match", inm)
			if r.status != 200 || r.header.Get("ETag") != tag {
				t.Errorf("GET %s If-None-Match %q: %s, want 200 with the object", path, inm, r)
			}
		}
	}
	// HEAD answers as GET, without the body.
	if r := a.do("HEAD", byID, a.all, nil); r.status != 200 || r.header.Get("ETag") != tag || len(r.body) != 0 {
		t.Errorf("HEAD: %s with ETag %q", r, r.header.Get("ETag"))
	}
	if r := a.do("HEAD", byID, a.all, nil, "If-None-Match", tag); r.status != http.StatusNotModified {
		t.Errorf("HEAD with If-None-Match: %s, want 304", r)
	}
	// A read whose If-Match does not hold is 409, as a write's; one that holds reads.
	if r := a.do("GET", byID, a.all, nil, "If-Match", `"00000000000000000001"`); r.status != 409 || !strings.Contains(string(r.body), `"code":"Conflict"`) {
		t.Errorf("GET with a stale If-Match: %s, want 409", r)
	}
	if r := a.do("GET", byID, a.all, nil, "If-Match", tag); r.status != 200 {
		t.Errorf("GET with a current If-Match: %s, want 200", r)
	}
	// A missing object is 404 whatever the conditions.
	if r := a.do("GET", apiBase+"terminals/6", a.all, nil, "If-None-Match", "*"); r.status != 404 {
		t.Errorf("GET of a missing object with If-None-Match: %s, want 404", r)
	}
}

// TestConditionalWrites: a PUT or DELETE whose If-Match does not name the object's current
// version is 409 in Protime's error body and writes nothing; one that does writes.
func TestConditionalWrites(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{})
	a.seedReferences()
	path := apiBase + "terminals/5"
	v := versionOf(t, a.must(201, "PUT", path, `{"name":"Gate"}`).body)
	tag := `"` + v + `"`

	refused := func(method, path, body string, header ...string) {
		t.Helper()
		before := a.changeCount()
		r := a.do(method, path, a.all, body, header...)
		if r.status != 409 || !strings.Contains(string(r.body), `{"error":{"code":"Conflict","message":`) {
			t.Fatalf("%s %s %q: %s, want 409 Conflict", method, path, header, r)
		}
		if after := a.changeCount(); after != before {
			t.Fatalf("%s %s %q: the change log moved by %d", method, path, header, after-before)
		}
	}
	for _, im := range []string{`"00000000000000000001"`, "W/" + tag, `"0x` + v[2:] + `"`, v, `""`, "junk"} {
		refused("PUT", path, `{"name":"Renamed"}`, "If-Match", im)
		refused("DELETE", path, "", "If-Match", im)
	}
	refused("PUT", path, `{"name":"Renamed"}`, "If-None-Match", "*")
	refused("PUT", path, `{"name":"Renamed"}`, "If-None-Match", tag)
	refused("DELETE", path, "", "If-None-Match", "W/"+tag)
	// If-Match on a missing object never holds, * included; a DELETE of one is 404.
	refused("PUT", apiBase+"terminals/6", `{"name":"New"}`, "If-Match", "*")
	refused("PUT", apiBase+"terminals/6", `{"name":"New"}`, "If-Match", tag)
	if r := a.do("DELETE", apiBase+"terminals/6", a.all, nil, "If-Match", tag); r.status != 404 {
		t.Fatalf("DELETE of a missing object with If-Match: %s, want 404", r)
	}
	if r := a.must(200, "GET", path, nil); versionOf(t, r.body) != v || !strings.Contains(string(r.body), `"name":"Gate"`) {
		t.Fatalf("after the refused writes: %s, want version %s unchanged", r.body, v)
	}

	// A body with problems is 400 whatever its condition.
	if r := a.do("PUT", path, a.all, `{"name":7}`, "If-Match", `"00000000000000000001"`); r.status != 400 {
		t.Fatalf("a bad body with a stale If-Match: %s, want 400", r)
	}

	// Conditions that hold.
	r := a.do("PUT", path, a.all, `{"name":"Gate 2"}`, "If-Match", tag)
	if r.status != 200 || r.header.Get("ETag") != "" {
		t.Fatalf("PUT with the current If-Match: %s, ETag %q; want 200 without an ETag", r, r.header.Get("ETag"))
	}
	v2 := versionOf(t, r.body)
	if v2 <= v {
		t.Fatalf("PUT answered version %s after %s", v2, v)
	}
	refused("PUT", path, `{"name":"Gate 3"}`, "If-Match", tag) // the old tag is stale now
	v3 := versionOf(t, a.do("PUT", path, a.all, `{"name":"Gate 3"}`, "If-Match", `"00000000000000000001", "`+v2+`"`).body)
	v4 := versionOf(t, a.do("PUT", path, a.all, `{"name":"Gate 4"}`, "If-Match", "*").body)
	if v3 <= v2 || v4 <= v3 {
		t.Fatalf("versions %s, %s, %s", v2, v3, v4)
	}
	if r := a.do("PUT", apiBase+"terminals/7", a.all, `{"name":"New"}`, "If-None-Match", "*"); r.status != 201 {
		t.Fatalf("PUT creating with If-None-Match: *: %s, want 201", r)
	}
	if r := a.do("DELETE", path, a.all, nil, "If-Match", `"`+v4+`"`); r.status != 204 {
		t.Fatalf("DELETE with the current If-Match: %s, want 204", r)
	}
	a.must(404, "GET", path, nil)

	// A clocking's delete keeps it as Deleted: its new version is its tag.
	c := a.must(201, "POST", apiBase+"clockings", `{"id":9,"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":480,"kind":"InOut"}`)
	refused("DELETE", apiBase+"clockings/9", "", "If-Match", `"00000000000000000001"`)
	if r := a.do("DELETE", apiBase+"clockings/9", a.all, nil, "If-Match", c.header.Get("ETag")); r.status != 204 {
		t.Fatalf("DELETE of a clocking with the current If-Match: %s", r)
	}
	if r := a.do("GET", apiBase+"clockings/9", a.all, nil, "If-None-Match", c.header.Get("ETag")); r.status != 200 || !strings.Contains(string(r.body), `"status":"Deleted"`) {
		t.Fatalf("the deleted clocking: %s", r)
	}
}

// TestConcurrentConditionalPuts sends PUTs that all name the same version at once: the check
// is made in each write's transaction, so exactly one of them wins.
func TestConcurrentConditionalPuts(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{})
	path := apiBase + "terminals/5"
	tag := `"` + versionOf(t, a.must(201, "PUT", path, `{"name":"Gate"}`).body) + `"`
	before := a.changeCount()
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			statuses[i] = a.do("PUT", path, a.all, `{"name":"Writer `+string(rune('A'+i))+`"}`, "If-Match", tag).status
		})
	}
	wg.Wait()
	won := 0
	for _, s := range statuses {
		switch s {
		case 200:
			won++
		case 409:
		default:
			t.Fatalf("statuses %v", statuses)
		}
	}
	if won != 1 || a.changeCount() != before+1 {
		t.Fatalf("%d of %d PUTs with one If-Match won, and the log moved by %d; want exactly one", won, n, a.changeCount()-before)
	}
}

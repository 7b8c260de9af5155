package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/httpapi"
)

// clockingLines returns n NDJSON lines that insert clockings of people 1 and 2 at terminal 1.
func clockingLines(n int) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf(`{"collection":"clockings","changeType":"InsertOrUpdate","data":{"person":{"id":%d},"date":"2024-%02d-%02d","timeOfDayInMinutes":%d,"terminal":{"id":1},"kind":"InOut"}}`,
			i%2+1, i%12+1, i%28+1, i%1440)
	}
	return lines
}

type changesAnswer struct {
	Lines, Changes                        int
	FirstChangeVersion, LastChangeVersion string
}

func TestPostChanges(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{})
	a.seedReferences()
	a.must(201, "POST", apiBase+"absence-groups", `{"id":1,"name":{"default":"Sickness"},"type":"Absence"}`)
	a.must(201, "POST", apiBase+"absence-groups", `{"id":2,"name":{"default":"Holiday"},"type":"Absence"}`)
	before := a.changeCount()

	array := `[
		{"collection":"people","changeType":"InsertOrUpdate","data":{"id":40,"firstName":"Dirk","lastName":"Maes"}},
		{"collection":"contracts","changeType":"InsertOrUpdate","data":{"person":{"id":40},"from":"2024-01-01"}},
		{"collection":"absence-groups","changeType":"InsertOrUpdate","data":{"id":1,"name":{"default":"Illness"},"type":"Absence"}},
		{"collection":"terminals","changeType":"InsertOrUpdate","data":{"id":1,"name":"Front"}},
		{"collection":"clockings","changeType":"InsertOrUpdate","data":{"id":9,"person":{"id":40},"date":"2024-01-02","timeOfDayInMinutes":480,"kind":"InOut"}},
		{"collection":"clockings","changeType":"Delete","data":{"id":9}}
	]`
	r := a.must(200, "POST", apiBase+"changes", array)
	var ans changesAnswer
	json.Unmarshal(r.body, &ans)
	// Six lines and the re-save of absence group 2 that saving group 1 brings.
	if ans.Lines != 6 || ans.Changes != 7 || ans.FirstChangeVersion >= ans.LastChangeVersion {
		t.Fatalf("answer %s", r.body)
	}
	if got := a.changeCount(); got != before+7 {
		t.Fatalf("%d changes, want %d", got-before, 7)
	}
	r = a.must(200, "GET", apiBase+"clockings/9", nil)
	if !strings.Contains(string(r.body), `"status":"Deleted"`) {
		t.Fatalf("a clocking deleted by /changes: %s", r.body)
	}

	ndjson := `{"collection":"terminals","changeType":"InsertOrUpdate","data":{"id":2,"name":"Back"}}` + "\n\n" +
		`{"collection":"terminals","changeType":"Delete","data":{"id":2}}` + "\n"
	r = a.do("POST", apiBase+"changes", a.all, ndjson, "Content-Type", "application/x-ndjson")
	if r.status != 200 || !strings.Contains(string(r.body), `"lines":2,"changes":2`) {
		t.Fatalf("NDJSON: %s", r)
	}
	r = a.must(200, "POST", apiBase+"changes", "")
	if strings.TrimSpace(string(r.body)) != `{"lines":0,"changes":0}` {
		t.Fatalf("an empty body: %s", r.body)
	}
}

// TestPostChangesOneBadLine sends ten thousand lines with one bad one: nothing is written
// and the answer names the line.
func TestPostChangesOneBadLine(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{})
	a.seedReferences()
	before := a.changeCount()
	for _, tt := range []struct {
		name, bad, want string
	}{
		{"a missing person", `{"collection":"clockings","changeType":"InsertOrUpdate","data":{"person":{"id":404},"date":"2024-01-02","timeOfDayInMinutes":480,"kind":"InOut"}}`,
			`{"validationErrors":[{"field":"line 7000: person.id","message":"refers to people 404, which does not exist"}]}`},
		{"a time out of range", `{"collection":"clockings","changeType":"InsertOrUpdate","data":{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":2881,"kind":"InOut"}}`,
			`{"validationErrors":[{"field":"line 7000: timeOfDayInMinutes","message":"must be from -1440 to 2880"}]}`},
		{"broken JSON", `{"collection":"clockings",`,
			`{"validationErrors":[{"field":"line 7000","message":"must be a JSON object: {\"collection\":\"...\",\"changeType\":\"InsertOrUpdate\",\"data\":{...}}"}]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lines := clockingLines(10_000)
			lines[6999] = tt.bad
			r := a.do("POST", apiBase+"changes", a.all, strings.Join(lines, "\n"))
			if r.status != 400 || strings.TrimSpace(string(r.body)) != tt.want {
				t.Fatalf("%s, want 400 %s", r, tt.want)
			}
			if got := a.changeCount(); got != before {
				t.Fatalf("a refused bulk load moved the change log by %d", got-before)
			}
		})
	}
	// In an array, the line is the element's number.
	r := a.do("POST", apiBase+"changes", a.all, `[`+clockingLines(1)[0]+`,`+clockingLines(1)[0]+`,{"collection":"clockings","changeType":"Update","data":{}}]`)
	if r.status != 400 || !strings.Contains(string(r.body), `"field":"line 3: changeType"`) {
		t.Fatalf("array: %s", r)
	}
}

// TestPostChangesScopes checks the order of SPEC section 3: a body that is not valid is a
// 400 even without the scopes, a valid one needs the write scope of every collection it
// touches.
func TestPostChangesScopes(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{})
	a.seedReferences()
	terminals := a.token(shiftwire.WriteScope(shiftwire.Terminals))
	body := `{"collection":"terminals","changeType":"InsertOrUpdate","data":{"name":"A"}}
{"collection":"people","changeType":"InsertOrUpdate","data":{"lastName":"B"}}`
	before := a.changeCount()
	r := a.do("POST", apiBase+"changes", terminals, body)
	if r.status != 401 || !strings.Contains(r.header.Get("WWW-Authenticate"), `scope="connector-protimeapi-people.write"`) {
		t.Fatalf("without people.write: %s %v", r, r.header)
	}
	if a.changeCount() != before {
		t.Fatal("a refused request wrote")
	}
	r = a.do("POST", apiBase+"changes", terminals, `{"collection":"payslips","changeType":"InsertOrUpdate","data":{}}`)
	if r.status != 400 || !strings.Contains(string(r.body), `unknown collection name \"payslips\"`) {
		t.Fatalf("unknown collection: %s", r)
	}
	r = a.do("POST", apiBase+"changes", a.token(shiftwire.WriteScope(shiftwire.Terminals), shiftwire.WriteScope(shiftwire.People)), body)
	if r.status != 200 {
		t.Fatalf("with both scopes: %s", r)
	}
	if r := a.do("POST", apiBase+"changes", "", body); r.status != 401 {
		t.Fatalf("without a token: %s", r)
	}
}

func TestPostChangesBodyLimit(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{MaxBodyBytes: 1 << 10, MaxBulkBodyBytes: 64 << 10})
	a.seedReferences()
	// Bigger than the default limit, within the bulk one.
	r := a.must(200, "POST", apiBase+"changes", strings.Join(clockingLines(100), "\n"))
	if !strings.Contains(string(r.body), `"lines":100`) {
		t.Fatalf("answer %s", r.body)
	}
	before := a.changeCount()
	r = a.do("POST", apiBase+"changes", a.all, strings.Join(clockingLines(1000), "\n"))
	if r.status != 413 || !strings.Contains(string(r.body), `"code":"PayloadTooLarge"`) {
		t.Fatalf("over the bulk limit: %s", r)
	}
	if a.changeCount() != before {
		t.Fatal("a body over the limit wrote")
	}
	if r := a.do("POST", apiBase+"people", a.all, `{"lastName":"`+strings.Repeat("x", 2000)+`"}`); r.status != 413 {
		t.Fatalf("a single write over the default limit: %s", r)
	}
}

// TestBulkLoad100k loads 100,000 clockings in one POST /changes and reports the time it
// took; docs/collections.md quotes it.
func TestBulkLoad100k(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 100,000 clockings")
	}
	a := newCollectionAPI(t, httpapi.Config{})
	a.seedReferences()
	body := []byte(strings.Join(clockingLines(100_000), "\n"))
	start := time.Now()
	r := a.do("POST", apiBase+"changes", a.all, bytes.NewReader(body), "Content-Type", "application/x-ndjson")
	elapsed := time.Since(start)
	// Besides the clockings, the days they fall on get their calculated totals and paid
	// presences (SPEC 6.1): 2 people on 84 days.
	if r.status != 200 || !strings.Contains(string(r.body), `"lines":100000,"changes":100168`) {
		t.Fatalf("%s", r)
	}
	t.Logf("POST /changes of 100,000 clockings (%.1f MiB of NDJSON) took %v: %.0f clockings/s",
		float64(len(body))/(1<<20), elapsed.Round(time.Millisecond), 100_000/elapsed.Seconds())
	if got := a.changeCount(); got != 5+100_168 {
		t.Fatalf("%d changes", got)
	}
}

// readWatcher is a request body that records whether the server read it.
type readWatcher struct {
	io.Reader
	read atomic.Bool
}

func (r *readWatcher) Read(p []byte) (int, error) {
	r.read.Store(true)
	return r.Reader.Read(p)
}

// TestPostChangesRefusesBeforeReading sends bulk bodies with tokens that may write no
// collection: the answer is 401 insufficient_scope, and the body was never read.
func TestPostChangesRefusesBeforeReading(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{})
	for name, token := range map[string]string{
		"webhooks.read":    a.token(shiftwire.ScopeWebhooksRead),
		"no collection's":  a.token(shiftwire.ScopeWebhooksRead, shiftwire.ScopeWebhooksWrite, shiftwire.ScopeExternalReferencesWrite, shiftwire.ReadScope(shiftwire.People)),
		"no token at all":  "",
		"a token of noise": "x.y.z",
	} {
		t.Run(name, func(t *testing.T) {
			body := &readWatcher{Reader: strings.NewReader(strings.Join(clockingLines(1000), "\n"))}
			rec := a.serve("POST", apiBase+"changes", token, body)
			if rec.Code != 401 || !strings.Contains(rec.Body.String(), `"code":"Unauthorized"`) {
				t.Fatalf("%d %s, want 401", rec.Code, rec.Body)
			}
			if body.read.Load() {
				t.Fatal("the body was read before the token was refused")
			}
			if token != "" && token != "x.y.z" {
				h := rec.Header().Get("WWW-Authenticate")
				if !strings.HasPrefix(h, `Bearer error="insufficient_scope", scope="`) || !strings.Contains(h, shiftwire.WriteScope(shiftwire.Clockings)) {
					t.Fatalf("WWW-Authenticate %q, want insufficient_scope naming the collection write scopes", h)
				}
			}
		})
	}
}

// TestPostChangesStopsAtAForbiddenLine sends lines the token may write, then one it may
// not, then stalls: the answer comes without waiting for the rest of the body.
func TestPostChangesStopsAtAForbiddenLine(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{})
	a.seedReferences()
	token := a.token(shiftwire.WriteScope(shiftwire.Clockings))
	const forbidden = `{"collection":"people","changeType":"InsertOrUpdate","data":{"lastName":"X"}}`
	for _, tt := range []struct {
		name, head string
		status     int
		want       string
	}{
		{"first line", forbidden + "\n", 401, ""},
		{"after a thousand", strings.Join(clockingLines(1000), "\n") + "\n" + forbidden + "\n", 401, ""},
		{"in an array", "[" + clockingLines(1)[0] + ",\n" + forbidden + ",", 401, ""},
		{"escaped", `{"collection":"p\u0065ople","changeType":"Delete","data":{"id":1}}` + "\n", 401, ""},
		{"not first in the line", ` { "changeType" : "InsertOrUpdate", "data" : {"lastName":"{\"collection\":\"clockings\"}, ]"} , "collection" : "people" }` + "\n", 401, ""},
		// The lines up to the forbidden one are checked first, as SPEC section 3 orders it.
		{"after a bad line", clockingLines(1)[0] + "\n" + `{"collection":"clockings","changeType":"Upsert","data":{}}` + "\n" + forbidden + "\n", 400, `"field":"line 2: changeType"`},
		{"a bad forbidden line", `{"collection":"people","changeType":"InsertOrUpdate","data":{"lastName":"X","shoeSize":44}}` + "\n", 400, `"field":"line 1: shoeSize"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := a.changeCount()
			pr, pw := io.Pipe()
			defer pw.Close()
			go func() {
				// The body never ends: the rest of it would never come.
				pw.Write([]byte(tt.head))
			}()
			done := make(chan *httptest.ResponseRecorder, 1)
			go func() { done <- a.serve("POST", apiBase+"changes", token, pr) }()
			var rec *httptest.ResponseRecorder
			select {
			case rec = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("no answer within 10 s: the server waits for the rest of the body")
			}
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
				t.Fatalf("%d %s, want %d with %s", rec.Code, rec.Body, tt.status, tt.want)
			}
			if tt.status == 401 && !strings.Contains(rec.Header().Get("WWW-Authenticate"), `scope="connector-protimeapi-people.write"`) {
				t.Fatalf("WWW-Authenticate %q, want people.write", rec.Header().Get("WWW-Authenticate"))
			}
			if a.changeCount() != before {
				t.Fatal("a refused request wrote")
			}
		})
	}
}

// TestPostChangesBound runs as many bulk requests as the bound allows, each stalled in its
// body: one more is answered 429 with Retry-After (at once, as this server waits for no
// slot), and is served once a slot frees.
func TestPostChangesBound(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{MaxBulkRequests: 2, MaxBulkWait: -1})
	a.seedReferences()
	token := a.token(shiftwire.WriteScope(shiftwire.Terminals))
	line := `{"collection":"terminals","changeType":"InsertOrUpdate","data":{"name":"T"}}`
	type running struct {
		pw   *io.PipeWriter
		done chan *httptest.ResponseRecorder
	}
	var held []running
	for range 2 {
		pr, pw := io.Pipe()
		r := running{pw, make(chan *httptest.ResponseRecorder, 1)}
		go func() { r.done <- a.serve("POST", apiBase+"changes", token, pr) }()
		// The write returns once the handler reads, so it holds its slot.
		if _, err := pw.Write([]byte(line[:20])); err != nil {
			t.Fatal(err)
		}
		held = append(held, r)
	}

	rec := a.serve("POST", apiBase+"changes", token, strings.NewReader(line))
	if rec.Code != 429 || !strings.HasPrefix(rec.Body.String(), `{"error":{"code":"TooManyRequests","message":`) {
		t.Fatalf("a third bulk request: %d %s, want 429", rec.Code, rec.Body)
	}
	if s, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("Retry-After %q, want whole seconds", rec.Header().Get("Retry-After"))
	}
	// A token that may write nothing is refused as before: it never waits for a slot.
	if rec := a.serve("POST", apiBase+"changes", a.token(shiftwire.ScopeWebhooksRead), strings.NewReader(line)); rec.Code != 401 {
		t.Fatalf("without a write scope: %d %s, want 401", rec.Code, rec.Body)
	}
	// Other writes are not bounded.
	if r := a.do("POST", apiBase+"terminals", a.all, `{"name":"U"}`); r.status != 201 {
		t.Fatalf("a single write while bulk requests run: %s", r)
	}

	held[0].pw.Write([]byte(line[20:]))
	held[0].pw.Close()
	if rec := <-held[0].done; rec.Code != 200 {
		t.Fatalf("the first bulk request: %d %s", rec.Code, rec.Body)
	}
	if rec := a.serve("POST", apiBase+"changes", token, strings.NewReader(line)); rec.Code != 200 {
		t.Fatalf("once a slot is free: %d %s, want 200", rec.Code, rec.Body)
	}
	held[1].pw.CloseWithError(io.ErrUnexpectedEOF)
	<-held[1].done
}

// TestPostChangesWaitsForASlot fills the one slot with a stalled bulk request: the next one
// waits for the slot instead of failing, and is served once the first ends.
func TestPostChangesWaitsForASlot(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{MaxBulkRequests: 1, MaxBulkWait: time.Hour})
	a.seedReferences()
	token := a.token(shiftwire.WriteScope(shiftwire.Terminals))
	line := `{"collection":"terminals","changeType":"InsertOrUpdate","data":{"name":"T"}}`
	pr, pw := io.Pipe()
	first := make(chan *httptest.ResponseRecorder, 1)
	go func() { first <- a.serve("POST", apiBase+"changes", token, pr) }()
	if _, err := pw.Write([]byte(line[:20])); err != nil {
		t.Fatal(err)
	}
	waiting := make(chan struct{})
	httpapi.OnBulkWait(a.api, func() { close(waiting) })
	second := make(chan *httptest.ResponseRecorder, 1)
	body := &readWatcher{Reader: strings.NewReader(line)}
	go func() { second <- a.serve("POST", apiBase+"changes", token, body) }()
	<-waiting
	if body.read.Load() {
		t.Fatal("a waiting request read its body")
	}
	pw.Write([]byte(line[20:]))
	pw.Close()
	if rec := <-first; rec.Code != 200 {
		t.Fatalf("the first request: %d %s", rec.Code, rec.Body)
	}
	if rec := <-second; rec.Code != 200 {
		t.Fatalf("the second request: %d %s", rec.Code, rec.Body)
	}
}

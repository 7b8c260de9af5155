package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/shiftwire/shiftwire"
)

const changesPath = "/connector/protimeapi/api/v1/changes"

// TestStrictJSONEndToEnd sends bodies with a duplicate key or invalid UTF-8 to the routes
// that read JSON: each is a 400 naming the field (SPEC section 10), and nothing is created.
func TestStrictJSONEndToEnd(t *testing.T) {
	f := newFixture(t)
	const person = `{"collection":"people","changeType":"InsertOrUpdate","data":`
	for _, tt := range []struct {
		name, method, path, body, field string
	}{
		{"webhook", http.MethodPost, webhooksPath,
			`{"destinationUrl":"https://example.com/a","collectionName":"clockings","destinationUrl":"https://example.com/b"}`, "destinationUrl"},
		{"webhook, UTF-8", http.MethodPost, webhooksPath,
			"{\"destinationUrl\":\"https://example.com/\xc3(\",\"collectionName\":\"clockings\"}", "destinationUrl"},
		{"object", http.MethodPost, "/connector/protimeapi/api/v1/people", `{"lastName":"A","lastName":"B"}`, "lastName"},
		{"object, UTF-8", http.MethodPut, "/connector/protimeapi/api/v1/people/3", "{\"lastName\":\"Zo\xeb\"}", "lastName"},
		{"bulk", http.MethodPost, changesPath, person + `{"lastName":"A"}}` + "\n" + person + `{"lastName":"A","lastName":"B"}}`, "line 2: lastName"},
		{"bulk, UTF-8", http.MethodPost, changesPath, "[" + person + "{\"lastName\":\"\xff\"}}]", "line 1: lastName"},
		{"references", http.MethodPut, "/connector/protimeapi/api/v1/external-references/people/1", `{"HRMID":"1","HRMID":"2"}`, "HRMID"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f.call(f.acme, tt.method, tt.path, tt.body).wantValidation(t, tt.field)
		})
	}
	var list webhookList
	f.call(f.acme, http.MethodGet, webhooksPath, "").decode(t, &list)
	if len(list.Value) != 0 {
		t.Fatalf("a refused body created webhooks: %+v", list.Value)
	}
	f.call(f.acme, http.MethodGet, "/connector/protimeapi/api/v1/people/3", "").wantError(t, http.StatusNotFound, "NotFound")
}

// TestBulkChecksTheTokenFirst sends POST /changes bodies that never end: a token that may
// write no collection, and a line whose collection the token may not write, are answered
// 401 all the same, since the server stops reading (SPEC section 10).
func TestBulkChecksTheTokenFirst(t *testing.T) {
	f := newFixture(t)
	clockings := f.scopedToken(f.acme, shiftwire.WriteScope(shiftwire.Clockings))
	for _, tt := range []struct {
		name, token, first, scope string
	}{
		{"webhooks.read only", f.token(f.narrow), "", "connector-protimeapi-clockings.write"},
		{"a forbidden line", clockings, `{"collection":"people","changeType":"InsertOrUpdate","data":{"lastName":"X"}}` + "\n",
			`scope="connector-protimeapi-people.write"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			defer pw.Close()
			go func() {
				line := `{"collection":"clockings","changeType":"Delete","data":{"id":1}}` + "\n"
				if _, err := io.WriteString(pw, tt.first); err != nil {
					return
				}
				for { // the rest of the body never ends
					if _, err := io.WriteString(pw, line); err != nil {
						return
					}
				}
			}()
			req, err := http.NewRequest(http.MethodPost, "http://"+f.addr+changesPath, pr)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = acmeHost
			req.Header.Set("User-Agent", userAgent)
			req.Header.Set("Authorization", "Bearer "+tt.token)
			req.Header.Set("Content-Type", "application/x-ndjson")
			resp, err := f.http.Do(req) // the client's timeout bounds the test
			if err != nil {
				t.Fatalf("no answer while the body goes on: %v", err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			r := &apiResponse{status: resp.StatusCode, header: resp.Header, body: b}
			r.wantError(t, http.StatusUnauthorized, "Unauthorized")
			if h := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(h, `Bearer error="insufficient_scope", `) || !strings.Contains(h, tt.scope) {
				t.Fatalf("WWW-Authenticate %q, want insufficient_scope with %s", h, tt.scope)
			}
		})
	}
}

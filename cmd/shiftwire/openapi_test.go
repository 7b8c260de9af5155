package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"

	"github.com/shiftwire/shiftwire/internal/httpapi"
	"github.com/shiftwire/shiftwire/internal/httpapi/openapitest"
)

// The API's OpenAPI document is kept true by these tests: every API call they make goes
// through checkedTransport, which fails the test on an answer the document does not
// describe. A request made to a path or with a method that has no route on purpose says
// so with apiRequest.unrouted.

var openAPIChecker = sync.OnceValues(func() (*openapitest.Checker, error) {
	return openapitest.New(httpapi.OpenAPIDocument())
})

// checkedTransport returns the transport of the tests' API clients: the default one,
// with every response checked against the OpenAPI document.
func checkedTransport(t testing.TB) http.RoundTripper {
	t.Helper()
	c, err := openAPIChecker()
	if err != nil {
		t.Fatal(err)
	}
	return c.Transport(t, http.DefaultTransport)
}

func TestOpenAPIServed(t *testing.T) {
	s := startServer(t, tempDB(t))
	resp := s.do(apiRequest{method: http.MethodGet, path: "/openapi.json"})
	resp.wantStatus(t, http.StatusOK)
	if string(resp.body) != string(httpapi.OpenAPIDocument()) {
		t.Errorf("GET /openapi.json is not the embedded document")
	}
	if _, err := openapitest.New(resp.body); err != nil {
		t.Errorf("the served document: %v", err)
	}
}

// TestOpenAPIEvents checks the bodies receivers get against the document's schemas, which no
// answer of the API carries: one webhook per collection receives the change of its
// collection's example object (and the changes recalculation adds), a deletion, a ping, and
// the lifecycle notification that the webhook expires soon.
func TestOpenAPIEvents(t *testing.T) {
	checker, err := openAPIChecker()
	if err != nil {
		t.Fatal(err)
	}
	// A webhook valid for less than the expiry notice is expiring soon from the start: its
	// lifecycle notification comes at once.
	f := newFixture(t, "--allow-private-destinations", "--allow-insecure-destinations", "--webhook-validity", "1h", "--expiry-notice", "2h")
	var mu sync.Mutex
	received := map[string][][]byte{} // the receiver's path (a collection, or "ping") -> bodies
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		received[strings.TrimPrefix(r.URL.Path, "/")] = append(received[strings.TrimPrefix(r.URL.Path, "/")], body)
		mu.Unlock()
	}))
	t.Cleanup(receiver.Close)
	count := func(path string) int {
		mu.Lock()
		defer mu.Unlock()
		return len(received[path])
	}

	schemaOf := map[string]string{} // collection -> the schema of its changes
	var pingHook string
	for _, ct := range shiftwire.Collections() {
		if !ct.Subscribable {
			continue
		}
		schemaOf[ct.Name] = reflect.TypeOf(ct.New()).Elem().Name() + "Change"
		resp := f.call(f.acme, http.MethodPost, "/connector/protimeapi/api/v1/webhooks",
			fmt.Sprintf(`{"destinationUrl":%q,"collectionName":%q,"lifecycleNotificationUrl":%q}`, receiver.URL+"/"+ct.Name, ct.Name, receiver.URL+"/lifecycle"))
		resp.wantStatus(t, http.StatusCreated)
		if ct.Name == shiftwire.BreakDefinitions {
			var hook struct{ ID string }
			json.Unmarshal(resp.body, &hook)
			pingHook = hook.ID
		}
	}
	// The ping goes to the break definitions' destination: its body is told apart by its
	// changeType.
	f.call(f.acme, http.MethodPost, "/connector/protimeapi/api/v1/webhooks/"+pingHook+"/ping", "").wantStatus(t, http.StatusOK)

	for _, ct := range shiftwire.CollectionsByDependency() {
		// Recalculation may have created the object already (a calculated total, a paid
		// presence): then the write replaces it.
		resp := f.call(f.acme, http.MethodPut, "/connector/protimeapi/api/v1/"+ct.Name+"/1", ct.Example)
		if resp.status != http.StatusCreated && resp.status != http.StatusOK {
			t.Fatalf("PUT %s/1: %d %s", ct.Name, resp.status, resp.body)
		}
	}
	breakDefinitions, _ := shiftwire.CollectionByName(shiftwire.BreakDefinitions)
	f.call(f.acme, http.MethodPut, "/connector/protimeapi/api/v1/break-definitions/2", breakDefinitions.Example).wantStatus(t, http.StatusCreated)
	f.call(f.acme, http.MethodDelete, "/connector/protimeapi/api/v1/break-definitions/2", "").wantStatus(t, http.StatusNoContent)

	schemaOf["lifecycle"] = "LifecycleNotification"
	for name := range schemaOf {
		want := 1
		if name == shiftwire.BreakDefinitions {
			want = 4 // the ping, objects 1 and 2, and the deletion of 2
		}
		waitFor(t, 20*time.Second, fmt.Sprintf("%d bodies at the %s receiver", want, name), func() bool { return count(name) >= want })
	}
	mu.Lock()
	defer mu.Unlock()
	var pings, deletes int
	for name, bodies := range received {
		for _, body := range bodies {
			var kind struct{ ChangeType string }
			json.Unmarshal(body, &kind)
			schema := schemaOf[name]
			switch kind.ChangeType {
			case "Ping":
				schema = "PingEvent"
				pings++
			case string(shiftwire.Delete):
				deletes++
			}
			if err := checker.CheckSchema(schema, body); err != nil {
				t.Errorf("an event of %s: %v", name, err)
			}
		}
	}
	if pings != 1 || deletes < 1 {
		t.Errorf("%d pings and %d deletions received, want 1 and at least 1", pings, deletes)
	}
}

package main

import (
	"net/http"
	"sync"
	"testing"

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

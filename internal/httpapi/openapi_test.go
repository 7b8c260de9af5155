package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/shiftwire/shiftwire/internal/httpapi/openapitest"
)

var update = flag.Bool("update", false, "rewrite openapi.json from the code")

// TestOpenAPIDocument keeps openapi.json equal to the document the code describes, and
// checks that it is a valid OpenAPI 3 document.
func TestOpenAPIDocument(t *testing.T) {
	doc := buildOpenAPI(t)
	want, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if *update {
		if err := os.WriteFile("openapi.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
	} else if !bytes.Equal(openAPIDocument, want) {
		t.Errorf("openapi.json is stale: run go test ./internal/httpapi -run TestOpenAPIDocument -update")
	}

	loader := openapi3.NewLoader()
	parsed, err := loader.LoadFromData(want)
	if err != nil {
		t.Fatal(err)
	}
	if err := parsed.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid OpenAPI 3: %v", err)
	}
}

var openAPIChecker = sync.OnceValues(func() (*openapitest.Checker, error) {
	return openapitest.New(openAPIDocument)
})

// CheckResponses makes the client of srv check every response against the OpenAPI
// document, failing t on one the document does not describe; the tests' shared API
// helpers call it, so the document cannot drift from what they exercise.
func CheckResponses(t testing.TB, srv *httptest.Server) {
	t.Helper()
	c, err := openAPIChecker()
	if err != nil {
		t.Fatal(err)
	}
	client := srv.Client()
	client.Transport = c.Transport(t, client.Transport)
}

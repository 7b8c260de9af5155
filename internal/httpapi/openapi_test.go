package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/shiftwire/shiftwire"
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

// CheckRecorded checks a response served without a network against the OpenAPI document,
// as CheckResponses does for a client's.
func CheckRecorded(t testing.TB, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	c, err := openAPIChecker()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(req, rec.Result(), rec.Body.Bytes()); err != nil {
		t.Errorf("OpenAPI: %s %s: %v", req.Method, req.URL.Path, err)
	}
}

// TestOpenAPIChecks checks that the check the tests' clients run catches answers the
// document does not describe: an extra field, a status it does not list, a missing header,
// a path without a route, and lets through the answers it describes.
func TestOpenAPIChecks(t *testing.T) {
	c, err := openAPIChecker()
	if err != nil {
		t.Fatal(err)
	}
	const webhook = "/connector/protimeapi/api/v1/webhooks/01a23078-77da-7dd7-98d1-021146755a9a"
	errorJSON := `{"error":{"code":"NotFound","message":"no resource"}}`
	tests := []struct {
		name     string
		method   string
		path     string
		unrouted bool
		status   int
		header   http.Header
		body     string
		wantErr  string // "" when the answer is described
	}{
		{"described", "GET", "/healthz", false, 200, nil, `{"status":"ok"}`, ""},
		{"an extra field", "GET", "/healthz", false, 200, nil, `{"status":"ok","uptime":3}`, "uptime"},
		{"a value the enum lacks", "GET", "/readyz", false, 503, nil, `{"status":"sleeping"}`, "sleeping"},
		{"a status not listed", "GET", "/healthz", false, 418, nil, `{"status":"ok"}`, "status is not supported"},
		{"a time that is no time", "GET", webhook, false, 200, nil, `{"id":"x","validUntil":"soon","status":"Enabled","destinationUrl":"https://a.example","collectionName":"clockings"}`, "date-time"},
		{"a webhook as it is", "GET", webhook, false, 200, nil, `{"id":"x","validUntil":"2025-03-31T12:30:00+02:00","status":"Enabled","destinationUrl":"https://a.example","collectionName":"clockings"}`, ""},
		{"an accepted request the document does not allow", "POST", "/connector/protimeapi/api/v1/webhooks?batchSize=many", false, 201, http.Header{"Location": {webhook}},
			`{"id":"x","key":"whsec_x","validUntil":"2025-03-31T12:30:00+02:00","status":"Enabled","destinationUrl":"https://a.example","collectionName":"clockings"}`, "batchSize"},
		{"a required header missing", "GET", webhook, false, 401, nil, `{"error":{"code":"Unauthorized","message":"no token"}}`, "WWW-Authenticate"},
		{"the header present", "GET", webhook, false, 401, http.Header{"Www-Authenticate": {"Bearer"}}, `{"error":{"code":"Unauthorized","message":"no token"}}`, ""},
		{"a validation error", "POST", "/connector/protimeapi/api/v1/webhooks", false, 400, nil, `{"validationErrors":[{"field":"","message":"bad"}]}`, ""},
		{"a 400 of neither form", "POST", "/connector/protimeapi/api/v1/webhooks", false, 400, nil, `{"problem":"bad"}`, "doesn't match"},
		{"an error code that is no status name", "GET", webhook, false, 404, nil, `{"error":{"code":"Missing","message":"x"}}`, "Missing"},
		{"no route", "GET", "/nothing", false, 404, nil, errorJSON, "no route"},
		{"no route on purpose", "GET", "/nothing", true, 404, nil, errorJSON, ""},
		{"a method without a route on purpose", "PATCH", webhook, true, 405, nil, `{"error":{"code":"MethodNotAllowed","message":"no"}}`, ""},
		{"no route on purpose, not the error body", "GET", "/nothing", true, 404, nil, `not found`, "not JSON"},
		{"no route on purpose, a success", "GET", "/nothing", true, 200, nil, `{}`, "answered 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "http://acme.localhost"+tt.path, nil)
			req.Header.Set("User-Agent", "openapi-test/1")
			if tt.unrouted {
				req = req.WithContext(openapitest.Unrouted(req.Context()))
			}
			header := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
			for k, v := range tt.header {
				header[k] = v
			}
			resp := &http.Response{StatusCode: tt.status, Header: header}
			err := c.Check(req, resp, []byte(tt.body))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("%v, want no problem", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("%v, want a problem mentioning %q", err, tt.wantErr)
			}
		})
	}
}

// TestOpenAPIRoutes checks that the document and the routes name the same operations:
// every route registered with mux.Handle in this package is in the document, and every
// operation of the document reaches a route of the server.
func TestOpenAPIRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for method := range item {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}

	// Every route of the code is documented.
	routes := registeredRoutes(t)
	if len(routes) < 20 {
		t.Fatalf("found only %d routes in the code: %q", len(routes), routes)
	}
	for _, r := range routes {
		if !documented[r] {
			t.Errorf("the route %s is not in the document", r)
		}
	}

	// Every documented operation reaches a route.
	mux := New(Config{}, Deps{Metrics: http.NotFoundHandler()}).routes()
	sample := strings.NewReplacer("{tenant}", "acme", "{id}", "1", "{deliveryId}", "d1", "{collection}", "people")
	for op := range documented {
		method, path, _ := strings.Cut(op, " ")
		req := httptest.NewRequest(method, sample.Replace(path), nil)
		if _, pattern := mux.Handler(req); !strings.HasPrefix(pattern, method+" ") {
			t.Errorf("the document's %s reaches no route (pattern %q)", op, pattern)
		}
	}
}

// registeredRoutes reads the routes this package registers: the first argument of every
// mux.Handle call in its files, a pattern written as a sum of string literals, apiBase and
// the collection's name, expanded for every collection.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	const collection = "\x00collection"
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var eval func(e ast.Expr) (string, bool)
	eval = func(e ast.Expr) (string, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		case *ast.Ident:
			switch e.Name {
			case "apiBase":
				return apiBase, true
			case "base": // collectionRoutes' apiBase + t.Name
				return apiBase + collection, true
			}
		case *ast.SelectorExpr:
			if x, ok := e.X.(*ast.Ident); ok && x.Name == "t" && e.Sel.Name == "Name" {
				return collection, true
			}
		case *ast.BinaryExpr:
			l, okL := eval(e.X)
			r, okR := eval(e.Y)
			return l + r, okL && okR && e.Op == token.ADD
		}
		return "", false
	}
	var routes []string
	for _, pkg := range pkgs {
		for name, file := range pkg.Files {
			ast.Inspect(file, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Handle" || len(call.Args) == 0 {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "mux" {
					return true
				}
				pattern, ok := eval(call.Args[0])
				if !ok {
					t.Errorf("%s: a route pattern this test cannot read: %s", fset.Position(call.Pos()), name)
					return true
				}
				if !strings.Contains(pattern, collection) {
					routes = append(routes, pattern)
					return true
				}
				for _, ct := range shiftwire.Collections() {
					routes = append(routes, strings.ReplaceAll(pattern, collection, ct.Name))
				}
				return true
			})
		}
	}
	return routes
}

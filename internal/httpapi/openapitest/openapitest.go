// Package openapitest checks an API's answers against its OpenAPI document in tests: an
// http.RoundTripper finds each request's route in the document and validates the response
// with kin-openapi, failing the test on an answer the document does not describe. It is
// what keeps the document of internal/httpapi true to the code.
package openapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Checker validates responses against one OpenAPI document. It is safe for concurrent use.
type Checker struct {
	doc    *openapi3.T
	router routers.Router
	errSch *openapi3.Schema // the error body, for answers to requests with no route
}

// registerDecoders teaches openapi3filter the body formats of the API it does not know:
// NDJSON, which the document describes as a string.
var registerDecoders = sync.OnceFunc(func() {
	openapi3filter.RegisterBodyDecoder("application/x-ndjson",
		func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(body)
			return string(b), err
		})
})

// New loads and validates doc and returns its Checker. The document's servers are
// ignored: the API serves every tenant under its own host, so any host routes.
func New(doc []byte) (*Checker, error) {
	registerDecoders()
	loaded, err := openapi3.NewLoader().LoadFromData(doc)
	if err != nil {
		return nil, fmt.Errorf("loading the OpenAPI document: %w", err)
	}
	if err := loaded.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is invalid: %w", err)
	}
	loaded.Servers = nil
	router, err := gorillamux.NewRouter(loaded)
	if err != nil {
		return nil, err
	}
	c := &Checker{doc: loaded, router: router}
	if ref := loaded.Components.Schemas["Error"]; ref != nil {
		c.errSch = ref.Value
	}
	return c, nil
}

type unroutedKey struct{}

// Unrouted marks the request of ctx as one the document cannot route on purpose: a path
// that is no route, or a method a route does not have. Its answer is then only checked to
// be the API's error body. A test opts out this way explicitly; any other request the
// document cannot route fails the test.
func Unrouted(ctx context.Context) context.Context {
	return context.WithValue(ctx, unroutedKey{}, true)
}

// Check validates the response to req, whose body is body, and returns what does not
// match the document.
func (c *Checker) Check(req *http.Request, resp *http.Response, body []byte) error {
	find := req
	if req.Method == http.MethodHead {
		// A GET route answers HEAD too, without a body.
		find = req.Clone(req.Context())
		find.Method = http.MethodGet
	}
	route, params, err := c.router.FindRoute(find)
	if err != nil {
		if unrouted, _ := req.Context().Value(unroutedKey{}).(bool); !unrouted {
			return fmt.Errorf("the document has no route for it (%v); answered %d %s", err, resp.StatusCode, body)
		}
		return c.checkError(resp, body)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: params,
			Route:      route,
		},
		Status:  resp.StatusCode,
		Header:  resp.Header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(req.Context(), input); err != nil {
		return fmt.Errorf("answered %d, which the document does not describe: %v\nbody: %s", resp.StatusCode, err, body)
	}
	return c.checkAccepted(req, resp, input.RequestValidationInput)
}

// checkAccepted validates a request the API accepted (a 2xx answer) against the document:
// whatever the server takes, the document must allow. Requests answered otherwise are not
// validated, since tests send bad requests on purpose; neither is one whose body cannot be
// read again (GetBody nil), such as a body a test streams.
func (c *Checker) checkAccepted(req *http.Request, resp *http.Response, input *openapi3filter.RequestValidationInput) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil
	}
	sent := req.Clone(req.Context())
	sent.Body = http.NoBody
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil
		}
		sent.Body = body
	} else if req.Body != nil && req.Body != http.NoBody {
		return nil
	}
	in := *input
	in.Request = sent
	in.Options = &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
	err := openapi3filter.ValidateRequest(req.Context(), &in)
	if err != nil && sent.Header.Get("Content-Type") == "" && req.GetBody != nil && input.Route.Operation.RequestBody != nil {
		// The API reads a body without a Content-Type as whichever of its formats it is:
		// the request is allowed when the body is one of the formats the document lists.
		for _, mediaType := range slices.Sorted(maps.Keys(input.Route.Operation.RequestBody.Value.Content)) {
			retry := sent.Clone(sent.Context())
			retry.Header.Set("Content-Type", mediaType)
			if retry.Body, err = req.GetBody(); err != nil {
				return nil
			}
			in.Request = retry
			if err = openapi3filter.ValidateRequest(req.Context(), &in); err == nil {
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("answered %d to a request the document does not allow: %v", resp.StatusCode, err)
	}
	return nil
}

// CheckSchema validates body, JSON, against the document's component schema name: for
// bodies that no operation answers, such as the events a receiver gets.
func (c *Checker) CheckSchema(name string, body []byte) error {
	ref := c.doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("the document has no schema %s", name)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	if err := ref.Value.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("does not match the schema %s: %v\nbody: %s", name, err, body)
	}
	return nil
}

// checkError checks that the answer to a request with no route is the error body.
func (c *Checker) checkError(resp *http.Response, body []byte) error {
	if resp.StatusCode < 400 {
		return fmt.Errorf("a request with no route answered %d", resp.StatusCode)
	}
	if c.errSch == nil {
		return errors.New("the document has no Error schema")
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("a request with no route answered %d with a body that is not JSON: %s", resp.StatusCode, body)
	}
	if err := c.errSch.VisitJSON(v); err != nil {
		return fmt.Errorf("a request with no route answered %d with a body that is not the error body: %v", resp.StatusCode, err)
	}
	return nil
}

// Transport returns an http.RoundTripper that sends requests through base
// (http.DefaultTransport when nil) and reports with t.Errorf every response the document
// does not describe. The response reaches the caller whole, whatever the outcome.
func (c *Checker) Transport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{t: t, base: base, checker: c}
}

type transport struct {
	t       testing.TB
	base    http.RoundTripper
	checker *Checker
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := tr.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		// The caller sees the failure when it reads: what arrived is passed on as it is.
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
		return resp, nil
	}
	if err := tr.checker.Check(req, resp, body); err != nil {
		tr.t.Errorf("OpenAPI: %s %s: %s", clip(req.Method), clip(req.URL.RequestURI()), clip(err.Error()))
	}
	return resp, nil
}

// CloseIdleConnections closes the idle connections of the underlying transport, so that
// http.Client.CloseIdleConnections works through the check.
func (tr *transport) CloseIdleConnections() {
	if c, ok := tr.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// clip cuts what a test may have made enormous on purpose, such as a 60,000-character
// path, to a readable length.
func clip(s string) string {
	const max = 600
	if len(s) <= max {
		return s
	}
	return fmt.Sprintf("%s...(%d bytes)", s[:max], len(s))
}

// errReader fails every read with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

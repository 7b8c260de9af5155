package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/shiftwire/shiftwire"
)

// The API's behaviour as a whole is tested through the shiftwire command (cmd/shiftwire);
// these tests cover what cannot be provoked from outside, such as internal errors.

// lockedBuffer collects log output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newTestServer returns a Server without a store, whose log goes to the returned buffer,
// and the handler that serves h through the same adapter and middleware as every route.
func newTestServer(h handlerFunc) (http.Handler, *lockedBuffer) {
	log := &lockedBuffer{}
	s := New(Config{BaseDomain: "localhost"}, Deps{Logger: slog.New(slog.NewJSONHandler(log, nil))})
	return s.observe(s.handle(h)), log
}

// logLines decodes the JSON log lines.
func logLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for line := range strings.Lines(log) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestInternalErrorShowsOnlyARequestID(t *testing.T) {
	const internal = "sqlite: disk I/O error at /var/lib/shiftwire/secret-path"
	for name, h := range map[string]handlerFunc{
		"error": func(w http.ResponseWriter, r *http.Request) error { return errors.New(internal) },
		"panic": func(w http.ResponseWriter, r *http.Request) error { panic(internal) },
	} {
		t.Run(name, func(t *testing.T) {
			handler, log := newTestServer(h)
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/connector/protimeapi/api/v1/webhooks", nil))

			if rec.Code != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500", rec.Code)
			}
			var body errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %s: %v", rec.Body, err)
			}
			id := rec.Header().Get("X-Request-Id")
			if body.Error.Code != "InternalServerError" || body.Error.RequestID == "" || body.Error.RequestID != id {
				t.Errorf("body %s, X-Request-Id %q; want code InternalServerError and the request id", rec.Body, id)
			}
			if strings.Contains(rec.Body.String(), "sqlite") || strings.Contains(rec.Body.String(), "secret-path") {
				t.Errorf("the 500 body reveals internals: %s", rec.Body)
			}

			// The error is logged with the same id, and so is the request.
			var logged, requested bool
			for _, line := range logLines(t, log.String()) {
				if line["requestId"] != id {
					continue
				}
				switch line["msg"] {
				case "internal error":
					logged = strings.Contains(line["err"].(string), internal)
				case "request":
					requested = line["status"] == float64(500) && line["level"] == "ERROR"
				}
			}
			if !logged || !requested {
				t.Errorf("log lacks the error or the request line with requestId %s:\n%s", id, log)
			}
		})
	}
}

func TestErrorForms(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		body   string
		header string
	}{
		{"business rule", shiftwire.Invalid("unknown collection name", "unknown collection name 'x'"), 400,
			`{"error":{"code":"BadRequest","message":"unknown collection name","reasons":["unknown collection name 'x'"]}}`, ""},
		{"validation", shiftwire.ValidationErrors{{Field: "destinationUrl", Message: "is required"}}, 400,
			`{"validationErrors":[{"field":"destinationUrl","message":"is required"}]}`, ""},
		{"not found", shiftwire.NotFound("no webhook"), 404, `{"error":{"code":"NotFound","message":"no webhook"}}`, ""},
		{"conflict", shiftwire.Errorf(shiftwire.EConflict, "bad token"), 409, `{"error":{"code":"Conflict","message":"bad token"}}`, ""},
		{"too large", &http.MaxBytesError{Limit: 10}, 413, `{"error":{"code":"PayloadTooLarge","message":"the request body is larger than 10 bytes"}}`, ""},
		{"no token", &shiftwire.AuthError{}, 401, `{"error":{"code":"Unauthorized","message":"an access token is required"}}`, "Bearer"},
		{"missing scope", &shiftwire.AuthError{Reason: shiftwire.AuthInsufficientScope, Scope: "connector-protimeapi-webhooks.write"}, 401,
			`{"error":{"code":"Unauthorized","message":"the access token lacks the scope connector-protimeapi-webhooks.write"}}`,
			`Bearer error="insufficient_scope", scope="connector-protimeapi-webhooks.write", error_description="the access token lacks the scope connector-protimeapi-webhooks.write"`},
		{"quotes in a description", &shiftwire.AuthError{Reason: shiftwire.AuthInvalidToken, Description: `a "quoted" word`}, 401,
			`{"error":{"code":"Unauthorized","message":"a \"quoted\" word"}}`, `Bearer error="invalid_token", error_description="a 'quoted' word"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			handler, _ := newTestServer(func(w http.ResponseWriter, r *http.Request) error { return tt.err })
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			if rec.Code != tt.status || strings.TrimSpace(rec.Body.String()) != tt.body {
				t.Errorf("%d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.body)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tt.header {
				t.Errorf("WWW-Authenticate %q, want %q", got, tt.header)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

// TestClientFaults checks that failures of the client's making are 4xx warnings, and that
// the same errors are internal when the client is not the cause.
func TestClientFaults(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		cancel   bool // the client gave up on the request
		status   int
		code     string
		logLevel string
	}{
		{"stalled body", fmt.Errorf("decode: %w", &bodyError{&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}}), false, 408, "RequestTimeout", "WARN"},
		{"body cut short", &bodyError{io.ErrUnexpectedEOF}, false, 400, "BadRequest", "WARN"},
		{"connection reset", &bodyError{&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}, false, 400, "BadRequest", "WARN"},
		{"cancelled by the client", fmt.Errorf("store: %w", context.Canceled), true, 400, "BadRequest", "WARN"},
		{"cancelled otherwise", fmt.Errorf("store: %w", context.Canceled), false, 500, "InternalServerError", "ERROR"},
		{"a reset that is not the body's", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, false, 500, "InternalServerError", "ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			handler, log := newTestServer(func(w http.ResponseWriter, r *http.Request) error { return tt.err })
			ctx, cancel := context.WithCancel(context.Background())
			if tt.cancel {
				cancel()
			}
			defer cancel()
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil).WithContext(ctx))
			var body errorBody
			if rec.Code != tt.status || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Error.Code != tt.code {
				t.Fatalf("%d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.code)
			}
			worst := ""
			for _, line := range logLines(t, log.String()) {
				if l := line["level"].(string); l == "ERROR" || (l == "WARN" && worst == "") {
					worst = l
				}
			}
			if worst != tt.logLevel {
				t.Errorf("logged at %s at worst, want %s:\n%s", worst, tt.logLevel, log)
			}
		})
	}
}

package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/shiftwire/shiftwire"
)

// maxURILength is Protime's limit on request URIs; longer ones get 414.
const maxURILength = 4096

type ctxKey int

const (
	requestIDKey ctxKey = iota
	requestInfoKey
)

// requestInfo collects what the request log line reports once the handler knows it.
type requestInfo struct {
	tenant   string
	clientID string
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func infoOf(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey).(*requestInfo)
	if info == nil {
		return &requestInfo{}
	}
	return info
}

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusRecorder remembers the status and size of a response for the log line.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// observe gives each request an id, recovers panics, refuses over-long URIs and writes one
// log line per request. The line never holds headers, so no token reaches the log.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		id := newRequestID()
		info := &requestInfo{}
		ctx := context.WithValue(context.WithValue(r.Context(), requestIDKey, id), requestInfoKey, info)
		r = r.WithContext(ctx)
		rec := &statusRecorder{ResponseWriter: w}
		rec.Header().Set("X-Request-Id", id)
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.writeError(rec, r, fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
			}
			level := slog.LevelInfo
			if rec.status >= 500 {
				level = slog.LevelError
			}
			s.log.LogAttrs(ctx, level, "request",
				slog.String("requestId", id),
				slog.String("method", clip(r.Method, maxLoggedValue)),
				slog.String("path", clip(r.URL.Path, maxLoggedPath)),
				slog.Int("status", rec.status),
				slog.Int("bytes", rec.bytes),
				slog.Duration("duration", s.now().Sub(start)),
				slog.String("tenant", info.tenant),
				slog.String("clientId", clip(info.clientID, maxLoggedValue)),
				slog.String("remote", clip(r.RemoteAddr, maxLoggedValue)),
			)
		}()
		if len(r.RequestURI) > maxURILength {
			s.writeError(rec, r, shiftwire.Errorf(shiftwire.EURITooLong, "the request URI is longer than %d characters", maxURILength))
			return
		}
		next.ServeHTTP(rec, r)
	})
}

// The caps on what a client chose in a log line: a 60,000-character client_id or path must
// not become a 60 KB line. The path gets more room, since real ones hold ids.
const (
	maxLoggedValue = 256
	maxLoggedPath  = 1024
)

// clip returns s cut to at most n bytes, at the start of a UTF-8 sequence, and marked with
// its full length.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 { // a continuation byte
		cut--
	}
	return fmt.Sprintf("%s...(%d bytes)", s[:cut], len(s))
}

// handle adapts a handlerFunc, rendering its error.
func (s *Server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// fallback answers requests that match no route, or a route with another method, in
// Protime's error format instead of the mux's plain text.
func (s *Server) fallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// The mux answers 405 with an Allow header and 404 without; find out which.
		probe := &headerProbe{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if allow := probe.header.Get("Allow"); probe.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", allow)
			s.writeError(w, r, shiftwire.Errorf(shiftwire.EMethodNotAllowed, "the method %s is not allowed here; allowed: %s", r.Method, allow))
			return
		}
		s.writeError(w, r, shiftwire.NotFound("no resource at %s", r.URL.Path))
	})
}

// headerProbe captures the status and headers a handler writes, discarding the body.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header         { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *headerProbe) WriteHeader(status int)      { p.status = status }

// limitBody caps the request body at n bytes; reading past it fails with a
// *http.MaxBytesError, which writeError answers with 413. Any other failure to read it is
// the client's (see clientBody).
func limitBody(w http.ResponseWriter, r *http.Request, n int64) {
	r.Body = clientBody{http.MaxBytesReader(w, r.Body, n)}
}

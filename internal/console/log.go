package console

import (
	"log/slog"
	"net/http"
)

// maxLoggedPath and maxLoggedMethod keep a log line short whatever a client sends.
const (
	maxLoggedPath   = 200
	maxLoggedMethod = 20
)

// statusRecorder remembers the status of an answer for the log line.
type statusRecorder struct {
	http.ResponseWriter
	status int
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
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logged writes one line per console request, as the API does for its own: method, path,
// status, duration and the client's address. It never holds a header, a cookie or a form
// value, so no secret, token or CSRF token reaches the log. The API's requests that a page
// makes are logged by the API, with the session's tenant and client.
func (c *Console) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := c.now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		path, method := r.URL.Path, r.Method
		if len(path) > maxLoggedPath {
			path = path[:maxLoggedPath] + "…"
		}
		if len(method) > maxLoggedMethod {
			method = method[:maxLoggedMethod] + "…"
		}
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		c.log.LogAttrs(r.Context(), level, "console request",
			slog.String("method", method),
			slog.String("path", path),
			slog.Int("status", rec.status),
			slog.Duration("duration", c.now().Sub(start)),
			slog.String("remote", r.RemoteAddr),
		)
	})
}

package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/shiftwire/shiftwire"
)

// handlerFunc is an HTTP handler that returns its error for errorHandler to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// statuses maps each error code to its HTTP status and Protime's PascalCase status name.
var statuses = map[shiftwire.ErrorCode]struct {
	status int
	name   string
}{
	shiftwire.EInvalid:          {http.StatusBadRequest, "BadRequest"},
	shiftwire.EUnauthorized:     {http.StatusUnauthorized, "Unauthorized"},
	shiftwire.ENotFound:         {http.StatusNotFound, "NotFound"},
	shiftwire.EMethodNotAllowed: {http.StatusMethodNotAllowed, "MethodNotAllowed"},
	shiftwire.EConflict:         {http.StatusConflict, "Conflict"},
	shiftwire.EGone:             {http.StatusGone, "Gone"},
	shiftwire.ETooLarge:         {http.StatusRequestEntityTooLarge, "PayloadTooLarge"},
	shiftwire.EURITooLong:       {http.StatusRequestURITooLong, "UriTooLong"},
	shiftwire.ETooManyRequests:  {http.StatusTooManyRequests, "TooManyRequests"},
	shiftwire.EInternal:         {http.StatusInternalServerError, "InternalServerError"},
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string   `json:"code"`
	Message   string   `json:"message"`
	Reasons   []string `json:"reasons,omitempty"`
	RequestID string   `json:"requestId,omitempty"`
}

// clientBody is a request body whose read failures, other than its end and its size limit,
// become a *bodyError: whatever the handler that read it makes of it, the failure is then
// known as the client's, not the server's.
type clientBody struct{ io.ReadCloser }

func (b clientBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if err != nil && err != io.EOF && !errors.As(err, &mbe) {
		err = &bodyError{err}
	}
	return n, err
}

// bodyError is a failure to read the request body: the client sent it too slowly for the
// server's ReadTimeout, hung up before its end, or broke its framing. It deliberately does
// not unwrap, so that a reader of the body cannot take a connection that ended early
// (io.ErrUnexpectedEOF) for a body that ends early.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "reading the request body: " + e.err.Error() }

// timeout reports whether the body stopped coming until the read deadline.
func (e *bodyError) timeout() bool {
	var ne net.Error
	return errors.As(e.err, &ne) && ne.Timeout()
}

// clientFault classifies the errors of r that are the client's doing and not a rule's: a
// body that could not be read, or a request the client gave up on. It returns the status,
// its name and the message, and ok false for any other error.
func clientFault(r *http.Request, err error) (status int, name, message string, ok bool) {
	var be *bodyError
	switch {
	case errors.As(err, &be) && be.timeout():
		return http.StatusRequestTimeout, "RequestTimeout", "the request body did not arrive in time; send it faster or in smaller requests", true
	case errors.As(err, &be):
		return http.StatusBadRequest, "BadRequest", "the request body could not be read: the connection ended or broke before it was complete", true
	case r.Context().Err() != nil && errors.Is(err, context.Canceled):
		return http.StatusBadRequest, "BadRequest", "the client closed the request before it was answered", true
	}
	return 0, "", "", false
}

// writeError renders err in Protime's format. Internal errors are logged with the request id
// and answered with that id only. A failure that is the client's, such as a body that
// stalled or ended early, is a 4xx logged as a warning.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if status, name, message, ok := clientFault(r, err); ok {
		s.log.WarnContext(r.Context(), "request failed on the client's side", "requestId", requestID(r.Context()),
			"method", r.Method, "path", r.URL.Path, "status", status, "err", err)
		// What is left of the body, if anything, cannot be trusted to frame a next request.
		w.Header().Set("Connection", "close")
		writeJSON(w, status, errorBody{Error: errorDetail{Code: name, Message: message}})
		return
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = shiftwire.Errorf(shiftwire.ETooLarge, "the request body is larger than %d bytes", mbe.Limit)
	}
	var verrs shiftwire.ValidationErrors
	if errors.As(err, &verrs) {
		writeJSON(w, http.StatusBadRequest, struct {
			ValidationErrors shiftwire.ValidationErrors `json:"validationErrors"`
		}{verrs})
		return
	}
	code := shiftwire.ErrorCodeOf(err)
	st := statuses[code]
	body := errorBody{Error: errorDetail{Code: st.name}}
	var authErr *shiftwire.AuthError
	var appErr *shiftwire.Error
	switch {
	case errors.As(err, &authErr):
		w.Header().Set("WWW-Authenticate", challenge(authErr))
		body.Error.Message = authErr.Error()
	case errors.As(err, &appErr):
		body.Error.Message = appErr.Message
		body.Error.Reasons = appErr.Reasons
	default:
		id := requestID(r.Context())
		s.log.ErrorContext(r.Context(), "internal error", "requestId", id, "method", r.Method, "path", r.URL.Path, "err", err)
		body.Error.Message = "An internal error occurred. Quote the request id when you report it."
		body.Error.RequestID = id
	}
	writeJSON(w, st.status, body)
}

// challenge renders the RFC 6750 WWW-Authenticate header for an AuthError.
func challenge(e *shiftwire.AuthError) string {
	if e.Reason == "" {
		return `Bearer`
	}
	var b strings.Builder
	b.WriteString(`Bearer error="`)
	b.WriteString(e.Reason)
	b.WriteByte('"')
	if e.Scope != "" {
		b.WriteString(`, scope="`)
		b.WriteString(e.Scope)
		b.WriteByte('"')
	}
	if d := e.Error(); d != "" {
		b.WriteString(`, error_description="`)
		b.WriteString(strings.ReplaceAll(d, `"`, `'`))
		b.WriteByte('"')
	}
	return b.String()
}

// writeJSON writes v as the JSON body with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("encode response", "err", err)
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"InternalServerError","message":"the response could not be encoded"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
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

// writeError renders err in Protime's format. Internal errors are logged with the request id
// and answered with that id only.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
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

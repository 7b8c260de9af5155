package shiftwire

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorCode classifies an Error; the HTTP layer maps each code to one status.
type ErrorCode string

// The error codes. Each maps to the HTTP status of the same meaning.
const (
	EInvalid          ErrorCode = "invalid"            // 400
	EUnauthorized     ErrorCode = "unauthorized"       // 401
	ENotFound         ErrorCode = "not_found"          // 404
	EMethodNotAllowed ErrorCode = "method_not_allowed" // 405
	EConflict         ErrorCode = "conflict"           // 409
	EGone             ErrorCode = "gone"               // 410
	ETooLarge         ErrorCode = "too_large"          // 413
	EURITooLong       ErrorCode = "uri_too_long"       // 414
	ETooManyRequests  ErrorCode = "too_many_requests"  // 429
	EInternal         ErrorCode = "internal"           // 500
)

// Error is a failure a client can act on: a business rule, a missing object, a conflict.
// Message is safe to show to the client; Reasons lists the individual problems.
type Error struct {
	Code    ErrorCode
	Message string
	Reasons []string
}

func (e *Error) Error() string {
	if len(e.Reasons) == 0 {
		return e.Message
	}
	return e.Message + ": " + strings.Join(e.Reasons, "; ")
}

// Errorf returns an Error with the given code and a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EInvalid Error with the given reasons, the form Protime uses for
// business-rule failures such as an unknown collection name.
func Invalid(message string, reasons ...string) *Error {
	return &Error{Code: EInvalid, Message: message, Reasons: reasons}
}

// NotFound returns an ENotFound Error naming what was not found.
func NotFound(format string, args ...any) *Error {
	return Errorf(ENotFound, format, args...)
}

// ErrorCodeOf returns the code of the first Error, ValidationErrors or AuthError in err's
// chain, and EInternal for anything else.
func ErrorCodeOf(err error) ErrorCode {
	var e *Error
	var v ValidationErrors
	var a *AuthError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	case errors.As(err, &v):
		return EInvalid
	case errors.As(err, &a):
		return EUnauthorized
	}
	return EInternal
}

// ValidationError is one problem with a request body: the field (a dotted path such as
// "person.id", or "" for the body as a whole) and what is wrong with it.
type ValidationError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationErrors lists every problem found in a request body. Protime answers it with 400
// and a {"validationErrors":[...]} body instead of the usual error wrapper.
type ValidationErrors []ValidationError

func (v ValidationErrors) Error() string {
	parts := make([]string, len(v))
	for i, e := range v {
		if e.Field == "" {
			parts[i] = e.Message
		} else {
			parts[i] = e.Field + ": " + e.Message
		}
	}
	return "invalid body: " + strings.Join(parts, "; ")
}

// Add appends a problem with field.
func (v *ValidationErrors) Add(field, format string, args ...any) {
	*v = append(*v, ValidationError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns v as an error, or nil when it holds no problem.
func (v ValidationErrors) Err() error {
	if len(v) == 0 {
		return nil
	}
	return v
}

// AuthError is a 401: no token, a bad token, or a token without a required scope. Its fields
// follow the RFC 6750 WWW-Authenticate challenge.
type AuthError struct {
	// Reason is "" when no token was sent, "invalid_token" or "insufficient_scope".
	Reason string
	// Scope is the scope that was missing, for insufficient_scope.
	Scope string
	// Description is a human-readable explanation; it never contains the token.
	Description string
}

// The AuthError reasons of RFC 6750.
const (
	AuthInvalidToken      = "invalid_token"
	AuthInsufficientScope = "insufficient_scope"
)

func (e *AuthError) Error() string {
	if e.Description != "" {
		return e.Description
	}
	switch e.Reason {
	case AuthInvalidToken:
		return "the access token is invalid"
	case AuthInsufficientScope:
		return "the access token lacks the scope " + e.Scope
	}
	return "an access token is required"
}

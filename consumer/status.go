package consumer

import (
	"errors"
	"net/http"
)

// StatusError is an error of Apply that chooses the handler's answer. Any other error is
// answered 500. Every answer but 2xx makes the server retry the request later; 410 Gone
// disables the webhook for good.
type StatusError struct {
	Code int // an HTTP status from 400 to 599
	Err  error
}

// Status returns err with the answer code, such as 503 for a consumer that is busy.
func Status(code int, err error) error { return &StatusError{Code: code, Err: err} }

// Error returns the wrapped error's message.
func (e *StatusError) Error() string {
	if e.Err == nil {
		return http.StatusText(e.Code)
	}
	return e.Err.Error()
}

// Unwrap returns the wrapped error.
func (e *StatusError) Unwrap() error { return e.Err }

// statusOf is the answer to an error of Apply: its StatusError's code when that is an error
// status, else 500.
func statusOf(err error) int {
	var se *StatusError
	if errors.As(err, &se) && se.Code >= 400 && se.Code <= 599 {
		return se.Code
	}
	return http.StatusInternalServerError
}

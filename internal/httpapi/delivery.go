package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/shiftwire/shiftwire"
)

// attemptJSON is one delivery attempt as the debugging endpoints show it.
type attemptJSON struct {
	ID                     string                    `json:"id"`
	AttemptedAt            string                    `json:"attemptedAt"`
	DurationInMilliseconds int64                     `json:"durationInMilliseconds"`
	StatusCode             int                       `json:"statusCode,omitempty"`
	Outcome                shiftwire.Outcome         `json:"outcome"`
	Error                  string                    `json:"error,omitempty"`
	ChangeVersions         []shiftwire.ChangeVersion `json:"changeVersions"`
	Attempt                int                       `json:"attempt"`
	NextAttemptAt          string                    `json:"nextAttemptAt,omitempty"`
}

// attemptDetailJSON adds what was sent and the start of what came back.
type attemptDetailJSON struct {
	attemptJSON
	Request struct {
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"request"`
	Response struct {
		Body string `json:"body"`
	} `json:"response"`
}

// timeLayout renders times in the tenant's offset with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000-07:00"

func renderAttempt(a *shiftwire.Attempt, loc *time.Location) attemptJSON {
	out := attemptJSON{
		ID:                     a.ID,
		AttemptedAt:            a.AttemptedAt.In(loc).Format(timeLayout),
		DurationInMilliseconds: a.Duration.Milliseconds(),
		StatusCode:             a.StatusCode,
		Outcome:                a.Outcome,
		Error:                  a.Error,
		ChangeVersions:         a.ChangeVersions,
		Attempt:                a.Attempt,
	}
	if out.ChangeVersions == nil {
		out.ChangeVersions = []shiftwire.ChangeVersion{} // a ping carries none
	}
	if !a.NextAttemptAt.IsZero() {
		out.NextAttemptAt = a.NextAttemptAt.In(loc).Format(timeLayout)
	}
	return out
}

// listDeliveries serves GET /webhooks/{id}/deliveries: the webhook's attempts, newest first.
func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r.Context())
	hook, err := s.store.Webhook(r.Context(), c.tenant.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	match := func(*shiftwire.Attempt) bool { return true }
	if f := q.Get("filter"); f != "" {
		if match, err = parseAttemptFilter(f); err != nil {
			return err
		}
	}
	before, err := continuation(q)
	if err != nil {
		return err
	}
	loc := c.tenant.Location()
	out := list[attemptJSON]{Value: []attemptJSON{}}
	for {
		batch, err := s.store.Attempts(r.Context(), c.tenant.ID, hook.ID, before, 500)
		if err != nil {
			return err
		}
		for _, a := range batch {
			if len(out.Value) == pageSize {
				out.NextLink = nextLink(r.URL, before)
				writeJSON(w, http.StatusOK, out)
				return nil
			}
			before = a.ID
			if match(a) {
				out.Value = append(out.Value, renderAttempt(a, loc))
			}
		}
		if len(batch) < 500 {
			break
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getDelivery serves GET /webhooks/{id}/deliveries/{deliveryId}: one attempt with the request
// sent (signature headers included; the key is never stored) and the start of the response.
func (s *Server) getDelivery(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r.Context())
	hook, err := s.store.Webhook(r.Context(), c.tenant.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	a, err := s.store.Attempt(r.Context(), c.tenant.ID, hook.ID, r.PathValue("deliveryId"))
	if err != nil {
		return err
	}
	out := attemptDetailJSON{attemptJSON: renderAttempt(a, c.tenant.Location())}
	out.Request.Headers = a.RequestHeaders
	out.Request.Body = a.RequestBody
	if !json.Valid(a.RequestBody) {
		out.Request.Body, _ = json.Marshal(string(a.RequestBody))
	}
	out.Response.Body = string(a.ResponseBody)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// parseAttemptFilter parses the filter of the deliveries list: outcome (eq, in), status-code
// (eq, in, ge, le) and change-version (eq), combined with and, or and parentheses.
func parseAttemptFilter(s string) (func(*shiftwire.Attempt) bool, error) {
	f, err := shiftwire.ParseFilter(s)
	if err != nil {
		return nil, err
	}
	if err := checkAttemptFilter(f); err != nil {
		return nil, err
	}
	return func(a *shiftwire.Attempt) bool { return matchAttempt(f, a) }, nil
}

func checkAttemptFilter(f shiftwire.Filter) error {
	switch f := f.(type) {
	case *shiftwire.FilterOr:
		for _, t := range f.Terms {
			if err := checkAttemptFilter(t); err != nil {
				return err
			}
		}
	case *shiftwire.FilterAnd:
		for _, t := range f.Conditions {
			if err := checkAttemptFilter(t); err != nil {
				return err
			}
		}
	case *shiftwire.FilterCondition:
		invalid := func(reason string) error { return shiftwire.Invalid("invalid filter", f.String()+": "+reason) }
		if f.ListName != "" {
			return invalid("named lists are not supported here")
		}
		var kind shiftwire.FilterValueKind
		var ops []shiftwire.FilterOp
		switch f.Field {
		case "outcome":
			kind, ops = shiftwire.FilterString, []shiftwire.FilterOp{shiftwire.OpEq, shiftwire.OpIn}
		case "status-code":
			kind, ops = shiftwire.FilterInteger, []shiftwire.FilterOp{shiftwire.OpEq, shiftwire.OpIn, shiftwire.OpGe, shiftwire.OpLe}
		case "change-version":
			kind, ops = shiftwire.FilterString, []shiftwire.FilterOp{shiftwire.OpEq}
		default:
			return invalid("unknown field " + f.Field + "; use outcome, status-code or change-version")
		}
		if !slices.Contains(ops, f.Op) {
			return invalid("the operator " + string(f.Op) + " is not supported on " + f.Field)
		}
		for _, v := range f.Values {
			if v.Kind != kind {
				return invalid("wrong type of value for " + f.Field)
			}
			if f.Field == "outcome" && !slices.Contains([]string{"Succeeded", "Failed", "TimedOut", "ConnectionFailed"}, v.Str) {
				return invalid("outcome is one of Succeeded, Failed, TimedOut, ConnectionFailed")
			}
		}
	}
	return nil
}

func matchAttempt(f shiftwire.Filter, a *shiftwire.Attempt) bool {
	switch f := f.(type) {
	case *shiftwire.FilterOr:
		return slices.ContainsFunc(f.Terms, func(t shiftwire.Filter) bool { return matchAttempt(t, a) })
	case *shiftwire.FilterAnd:
		return !slices.ContainsFunc(f.Conditions, func(t shiftwire.Filter) bool { return !matchAttempt(t, a) })
	case *shiftwire.FilterCondition:
		return slices.ContainsFunc(f.Values, func(v shiftwire.FilterValue) bool {
			switch f.Field {
			case "outcome":
				return string(a.Outcome) == v.Str
			case "change-version":
				return slices.ContainsFunc(a.ChangeVersions, func(cv shiftwire.ChangeVersion) bool { return cv.String() == v.Str })
			}
			code := int64(a.StatusCode)
			switch f.Op {
			case shiftwire.OpGe:
				return code >= v.Int
			case shiftwire.OpLe:
				return code <= v.Int
			}
			return code == v.Int
		})
	}
	return false
}

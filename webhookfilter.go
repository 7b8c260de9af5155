package shiftwire

import (
	"fmt"
	"slices"
)

// ParseWebhookFilter parses the ?filter= of GET /webhooks and returns the predicate it
// describes. The fields are status and collection-name (also spelled collectionName, like
// the JSON property); the operators eq and in; the values single-quoted strings. and, or
// and parentheses combine conditions freely.
//
// status accepts Enabled and Disabled, compared exactly. Uninitialized is accepted too,
// because old Protime pages list it, and matches no webhook, since Shiftwire never creates
// one in that state. collection-name accepts any string, so that a filter on a collection
// a client does not know yet still runs and simply finds nothing.
//
// Anything else (an unknown field, ge or le, a number, a named list such as circle(1)) is
// an EInvalid *Error naming the condition at fault.
func ParseWebhookFilter(s string) (func(*Webhook) bool, error) {
	f, err := ParseFilter(s)
	if err != nil {
		return nil, err
	}
	return webhookPredicate(f)
}

// The fields of the webhook filter, with the JSON spelling as an alias.
const (
	webhookFieldStatus         = "status"
	webhookFieldCollection     = "collection-name"
	webhookFieldCollectionJSON = "collectionName"
)

// webhookStatuses are the statuses a filter may name; the bool says whether a webhook can
// have it.
var webhookStatuses = map[string]bool{
	string(WebhookEnabled):  true,
	string(WebhookDisabled): true,
	"Uninitialized":         false,
}

// webhookPredicate compiles f, checking every condition before any webhook is seen so that
// a bad filter fails even on an empty list.
func webhookPredicate(f Filter) (func(*Webhook) bool, error) {
	switch f := f.(type) {
	case *FilterOr:
		if f == nil {
			break
		}
		ps, err := webhookPredicates(f.Terms)
		if err != nil {
			return nil, err
		}
		return func(w *Webhook) bool {
			for _, p := range ps {
				if p(w) {
					return true
				}
			}
			return false
		}, nil
	case *FilterAnd:
		if f == nil {
			break
		}
		ps, err := webhookPredicates(f.Conditions)
		if err != nil {
			return nil, err
		}
		return func(w *Webhook) bool {
			for _, p := range ps {
				if !p(w) {
					return false
				}
			}
			return true
		}, nil
	case *FilterCondition:
		if f == nil {
			break
		}
		return webhookCondition(f)
	}
	return nil, filterError("the filter has no condition")
}

func webhookPredicates(fs []Filter) ([]func(*Webhook) bool, error) {
	if len(fs) == 0 {
		return nil, filterError("the filter has no condition")
	}
	ps := make([]func(*Webhook) bool, len(fs))
	for i, f := range fs {
		p, err := webhookPredicate(f)
		if err != nil {
			return nil, err
		}
		ps[i] = p
	}
	return ps, nil
}

func webhookCondition(c *FilterCondition) (func(*Webhook) bool, error) {
	fail := func(format string, args ...any) error {
		return filterError(quote(c.String()) + ": " + fmt.Sprintf(format, args...))
	}
	var field func(*Webhook) string
	var example string
	switch c.Field {
	case webhookFieldStatus:
		field, example = func(w *Webhook) string { return string(w.Status) }, "'Enabled'"
	case webhookFieldCollection, webhookFieldCollectionJSON:
		field, example = func(w *Webhook) string { return w.Collection }, "'clockings'"
	default:
		return nil, fail("unknown field %s; the fields are status and collection-name", quote(c.Field))
	}
	if c.Op != OpEq && c.Op != OpIn {
		return nil, fail("the operator %s is not supported on %s; use eq or in", c.Op, c.Field)
	}
	if c.ListName != "" {
		return nil, fail("named lists such as %s(...) are not supported on %s; use a plain list such as ('a','b')", c.ListName, c.Field)
	}
	if len(c.Values) == 0 {
		return nil, fail("%s needs a value", c.Field)
	}
	values := make([]string, 0, len(c.Values))
	for _, v := range c.Values {
		if v.Kind != FilterString {
			return nil, fail("%s is not a string; %s takes quoted values such as %s", v, c.Field, example)
		}
		if c.Field == webhookFieldStatus {
			possible, known := webhookStatuses[v.Str]
			if !known {
				return nil, fail("unknown status %s; the statuses are Enabled and Disabled", quote(v.Str))
			}
			if !possible {
				continue
			}
		}
		values = append(values, v.Str)
	}
	return func(w *Webhook) bool {
		return w != nil && slices.Contains(values, field(w))
	}, nil
}

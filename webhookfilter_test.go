package shiftwire

import (
	"errors"
	"slices"
	"testing"
)

// filterWebhooks are one webhook per status and collection that the filter tests choose from.
var filterWebhooks = []*Webhook{
	{ID: "clockings-on", Collection: Clockings, Status: WebhookEnabled},
	{ID: "clockings-off", Collection: Clockings, Status: WebhookDisabled},
	{ID: "contracts-on", Collection: Contracts, Status: WebhookEnabled},
	{ID: "contracts-off", Collection: Contracts, Status: WebhookDisabled},
	{ID: "groups-on", Collection: AbsenceGroups, Status: WebhookEnabled},
}

func matching(match func(*Webhook) bool) []string {
	var ids []string
	for _, w := range filterWebhooks {
		if match(w) {
			ids = append(ids, w.ID)
		}
	}
	return ids
}

func TestParseWebhookFilter(t *testing.T) {
	tests := []struct {
		filter string
		want   []string
	}{
		{`status eq 'Disabled'`, []string{"clockings-off", "contracts-off"}},
		{`status eq 'Enabled'`, []string{"clockings-on", "contracts-on", "groups-on"}},
		{`status eq 'Uninitialized'`, nil},
		{`status in ('Uninitialized','Disabled')`, []string{"clockings-off", "contracts-off"}},
		{`status in ('Enabled','Disabled')`, []string{"clockings-on", "clockings-off", "contracts-on", "contracts-off", "groups-on"}},
		{`collection-name eq 'contracts'`, []string{"contracts-on", "contracts-off"}},
		{`collectionName eq 'contracts'`, []string{"contracts-on", "contracts-off"}},
		{`collection-name eq 'Contracts'`, nil},
		{`collection-name eq 'no-such-collection'`, nil},
		{`collection-name in ('clockings','contracts') and status eq 'Enabled'`, []string{"clockings-on", "contracts-on"}},
		{`(status eq 'Enabled' or collection-name eq 'contracts')`, []string{"clockings-on", "contracts-on", "contracts-off", "groups-on"}},
		{`status eq 'Disabled' and (collection-name eq 'clockings' or collection-name eq 'absence-groups')`, []string{"clockings-off"}},
		{`status eq 'Disabled' and collection-name eq 'clockings' or collection-name eq 'absence-groups'`, []string{"clockings-off", "groups-on"}},
		{`status eq 'Enabled' and status eq 'Disabled'`, nil},
	}
	for _, tt := range tests {
		match, err := ParseWebhookFilter(tt.filter)
		if err != nil {
			t.Errorf("ParseWebhookFilter(%q): %v", tt.filter, err)
			continue
		}
		if got := matching(match); !slices.Equal(got, tt.want) {
			t.Errorf("ParseWebhookFilter(%q) matches %q, want %q", tt.filter, got, tt.want)
		}
		if match(nil) {
			t.Errorf("ParseWebhookFilter(%q) matches a nil webhook", tt.filter)
		}
	}
}

func TestParseWebhookFilterErrors(t *testing.T) {
	tests := []struct{ in, reason string }{
		{``, "the filter is empty"},
		{`status eq`, "expected a value (a quoted string, an integer, true or false) at the end of the filter"},
		{`status eq Disabled`, `expected a value (a quoted string, an integer, true or false) at position 10, found "Disabled"`},
		{`name eq 'x'`, `"name eq 'x'": unknown field "name"; the fields are status and collection-name`},
		{`Status eq 'Enabled'`, `"Status eq 'Enabled'": unknown field "Status"; the fields are status and collection-name`},
		{`collection_name eq 'x'`, `"collection_name eq 'x'": unknown field "collection_name"; the fields are status and collection-name`},
		{`status eq 'Foo'`, `"status eq 'Foo'": unknown status "Foo"; the statuses are Enabled and Disabled`},
		{`status eq 'enabled'`, `"status eq 'enabled'": unknown status "enabled"; the statuses are Enabled and Disabled`},
		{`status in ('Enabled','Gone')`, `"status in ('Enabled','Gone')": unknown status "Gone"; the statuses are Enabled and Disabled`},
		{`status ge 'Enabled'`, `"status ge 'Enabled'": the operator ge is not supported on status; use eq or in`},
		{`collection-name le 'x'`, `"collection-name le 'x'": the operator le is not supported on collection-name; use eq or in`},
		{`status eq 1`, `"status eq 1": 1 is not a string; status takes quoted values such as 'Enabled'`},
		{`status eq true`, `"status eq true": true is not a string; status takes quoted values such as 'Enabled'`},
		{`collection-name in ('clockings',2)`, `"collection-name in ('clockings',2)": 2 is not a string; collection-name takes quoted values such as 'clockings'`},
		{`collectionName eq false`, `"collectionName eq false": false is not a string; collectionName takes quoted values such as 'clockings'`},
		{`status in circle('Enabled')`, `"status in circle('Enabled')": named lists such as circle(...) are not supported on status; use a plain list such as ('a','b')`},
		{
			`status eq 'Enabled' and (collection-name eq 'x' or kind eq 'y')`,
			`"kind eq 'y'": unknown field "kind"; the fields are status and collection-name`,
		},
	}
	for _, tt := range tests {
		match, err := ParseWebhookFilter(tt.in)
		if err == nil {
			t.Errorf("ParseWebhookFilter(%q) = %p, want an error", tt.in, match)
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != EInvalid || e.Message != "invalid filter" {
			t.Errorf("ParseWebhookFilter(%q): %#v, want an EInvalid *Error", tt.in, err)
			continue
		}
		if len(e.Reasons) != 1 || e.Reasons[0] != tt.reason {
			t.Errorf("ParseWebhookFilter(%q) reasons = %q, want [%q]", tt.in, e.Reasons, tt.reason)
		}
	}
}

// Filters built by hand rather than parsed must not crash the compiler.
func TestWebhookPredicateDegenerate(t *testing.T) {
	for _, f := range []Filter{nil, (*FilterOr)(nil), (*FilterAnd)(nil), (*FilterCondition)(nil), and(), or(), cond("status", OpIn)} {
		if _, err := webhookPredicate(f); ErrorCodeOf(err) != EInvalid {
			t.Errorf("webhookPredicate(%#v) = %v, want an EInvalid error", f, err)
		}
	}
}

func FuzzParseWebhookFilter(f *testing.F) {
	for _, s := range filterSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		match, err := ParseWebhookFilter(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != EInvalid || len(e.Reasons) != 1 {
				t.Fatalf("ParseWebhookFilter(%q): %#v, want an EInvalid *Error with one reason", s, err)
			}
			return
		}
		// The filter survives formatting: the formatted text is accepted and selects the
		// same webhooks, including ones of collections the filter names.
		parsed, err := ParseFilter(s)
		if err != nil {
			t.Fatalf("ParseWebhookFilter accepts %q but ParseFilter fails: %v", s, err)
		}
		text := FormatFilter(parsed)
		reparsed, err := parseFilter(text)
		if err != nil {
			t.Fatalf("%q formats as %q, which fails: %v", s, text, err)
		}
		again, err := webhookPredicate(reparsed)
		if err != nil {
			t.Fatalf("%q formats as %q, which fails: %v", s, text, err)
		}
		hooks := append([]*Webhook(nil), filterWebhooks...)
		for _, name := range filterStrings(parsed) {
			for _, st := range []WebhookStatus{WebhookEnabled, WebhookDisabled} {
				hooks = append(hooks, &Webhook{Collection: name, Status: st})
			}
		}
		for _, w := range hooks {
			if match(w) != again(w) {
				t.Fatalf("%q and its format %q disagree on %+v", s, text, w)
			}
		}
	})
}

// filterStrings lists the string constants of f.
func filterStrings(f Filter) []string {
	var out []string
	switch f := f.(type) {
	case *FilterOr:
		for _, t := range f.Terms {
			out = append(out, filterStrings(t)...)
		}
	case *FilterAnd:
		for _, c := range f.Conditions {
			out = append(out, filterStrings(c)...)
		}
	case *FilterCondition:
		for _, v := range f.Values {
			if v.Kind == FilterString {
				out = append(out, v.Str)
			}
		}
	}
	return out
}

package shiftwire

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func str(s string) FilterValue   { return FilterValue{Kind: FilterString, Str: s} }
func num(n int64) FilterValue    { return FilterValue{Kind: FilterInteger, Int: n} }
func boolean(b bool) FilterValue { return FilterValue{Kind: FilterBool, Bool: b} }

func cond(field string, op FilterOp, values ...FilterValue) *FilterCondition {
	return &FilterCondition{Field: field, Op: op, Values: values}
}

func and(fs ...Filter) *FilterAnd { return &FilterAnd{Conditions: fs} }
func or(fs ...Filter) *FilterOr   { return &FilterOr{Terms: fs} }

func TestParseFilter(t *testing.T) {
	status := cond("status", OpEq, str("Disabled"))
	tests := []struct {
		in   string
		want Filter
	}{
		{`status eq 'Disabled'`, status},
		{"  status\teq   'Disabled'\t", status},
		{`(status eq 'Disabled')`, status},
		{`((((status eq 'Disabled'))))`, status},
		{`status eq ''`, cond("status", OpEq, str(""))},
		{`name eq 'it''s'`, cond("name", OpEq, str("it's"))},
		{`name eq ''''`, cond("name", OpEq, str("'"))},
		{`name eq 'a and b or (c)'`, cond("name", OpEq, str("a and b or (c)"))},
		{`name eq 'Ünïcode ☃'`, cond("name", OpEq, str("Ünïcode ☃"))},
		{`person eq 12`, cond("person", OpEq, num(12))},
		{`person eq -12`, cond("person", OpEq, num(-12))},
		{`person eq 007`, cond("person", OpEq, num(7))},
		{`person eq -0`, cond("person", OpEq, num(0))},
		{`person eq 9223372036854775807`, cond("person", OpEq, num(9223372036854775807))},
		{`person eq -9223372036854775808`, cond("person", OpEq, num(-9223372036854775808))},
		{`is-generated eq true`, cond("is-generated", OpEq, boolean(true))},
		{`is-generated eq false`, cond("is-generated", OpEq, boolean(false))},
		{`date ge '2024-01-01'`, cond("date", OpGe, str("2024-01-01"))},
		{`date le '2024-01-31'`, cond("date", OpLe, str("2024-01-31"))},
		{`a_b.c-d9 eq 1`, cond("a_b.c-d9", OpEq, num(1))},
		{`AND eq 1`, cond("AND", OpEq, num(1))}, // keywords are lower case only
		{`person in (1,2)`, cond("person", OpIn, num(1), num(2))},
		{`person in(1,2)`, cond("person", OpIn, num(1), num(2))},
		{`person in ( 1 , 2 )`, cond("person", OpIn, num(1), num(2))},
		{`person in (1)`, cond("person", OpIn, num(1))},
		{`x in ('a',2,true)`, cond("x", OpIn, str("a"), num(2), boolean(true))},
		{`person in circle(2,8)`, &FilterCondition{Field: "person", Op: OpIn, Values: []FilterValue{num(2), num(8)}, ListName: "circle"}},
		{`person in circle (2, 8)`, &FilterCondition{Field: "person", Op: OpIn, Values: []FilterValue{num(2), num(8)}, ListName: "circle"}},
		{`person in org-group(121,122)`, &FilterCondition{Field: "person", Op: OpIn, Values: []FilterValue{num(121), num(122)}, ListName: "org-group"}},
		{
			`date ge '2024-01-01' and date le '2024-01-31'`,
			and(cond("date", OpGe, str("2024-01-01")), cond("date", OpLe, str("2024-01-31"))),
		},
		{
			`collection-name in ('clockings','contracts') and status eq 'Enabled'`,
			and(cond("collection-name", OpIn, str("clockings"), str("contracts")), cond("status", OpEq, str("Enabled"))),
		},
		{
			`a eq 1 or b eq 2 and c eq 3`,
			or(cond("a", OpEq, num(1)), and(cond("b", OpEq, num(2)), cond("c", OpEq, num(3)))),
		},
		{
			`(a eq 1 or b eq 2) and c eq 3`,
			and(or(cond("a", OpEq, num(1)), cond("b", OpEq, num(2))), cond("c", OpEq, num(3))),
		},
		{
			`(a eq 1)and(b eq 2)`,
			and(cond("a", OpEq, num(1)), cond("b", OpEq, num(2))),
		},
		// and and or are associative: redundant groups leave no trace.
		{
			`(a eq 1 and b eq 2) and c eq 3`,
			and(cond("a", OpEq, num(1)), cond("b", OpEq, num(2)), cond("c", OpEq, num(3))),
		},
		{
			`a eq 1 or (b eq 2 or (c eq 3))`,
			or(cond("a", OpEq, num(1)), cond("b", OpEq, num(2)), cond("c", OpEq, num(3))),
		},
		{
			`a eq 1 and (b eq 2 or c eq 3) and d eq 4`,
			and(cond("a", OpEq, num(1)), or(cond("b", OpEq, num(2)), cond("c", OpEq, num(3))), cond("d", OpEq, num(4))),
		},
		{strings.Repeat("(", MaxFilterDepth) + "a eq 1" + strings.Repeat(")", MaxFilterDepth), cond("a", OpEq, num(1))},
	}
	for _, tt := range tests {
		got, err := ParseFilter(tt.in)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseFilter(%q) = %s, want %s", tt.in, FormatFilter(got), FormatFilter(tt.want))
		}
		again, err := ParseFilter(FormatFilter(got))
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("ParseFilter(FormatFilter(%q)) = %v, %v; want the same filter", tt.in, again, err)
		}
	}
}

func TestParseFilterErrors(t *testing.T) {
	tests := []struct{ in, reason string }{
		{``, "the filter is empty"},
		{" \t ", "the filter is empty"},
		{`status`, "expected an operator (eq, ge, le, in) at the end of the filter"},
		{`status foo 'x'`, `expected an operator (eq, ge, le, in) at position 7, found "foo"`},
		{`status EQ 'x'`, `expected an operator (eq, ge, le, in) at position 7, found "EQ"`},
		{`status ne 'x'`, `expected an operator (eq, ge, le, in) at position 7, found "ne"`},
		{`status eq`, "expected a value (a quoted string, an integer, true or false) at the end of the filter"},
		{`status eq Enabled`, `expected a value (a quoted string, an integer, true or false) at position 10, found "Enabled"`},
		{`status eq "Enabled"`, `unexpected character "\"" at position 10`},
		{`status eq TRUE`, `expected a value (a quoted string, an integer, true or false) at position 10, found "TRUE"`},
		{`status eq ('a')`, `expected a value (a quoted string, an integer, true or false) at position 10, found "("`},
		{`status eq 'Enabled`, "the string starting at position 10 has no closing quote"},
		{`status eq 'it''`, "the string starting at position 10 has no closing quote"},
		{`status eq'Enabled'`, `expected a space between "eq" and "'Enabled'" at position 9`},
		{`status eq 'a''b'and x eq 1`, `expected a space between "'a''b'" and "and" at position 16`},
		{`a eq 1and b eq 2`, `"1and" at position 5 is not an integer; an identifier starts with a letter`},
		{`a eq 12x`, `"12x" at position 5 is not an integer; an identifier starts with a letter`},
		{`a eq -`, "expected digits after - at the end of the filter"},
		{`a eq - 1`, "expected digits after - at position 6"},
		{`a eq 9223372036854775808`, `the integer "9223372036854775808" at position 5 does not fit in 64 bits`},
		{`a eq -9223372036854775809`, `the integer "-9223372036854775809" at position 5 does not fit in 64 bits`},
		{`a eq 1 and`, "expected a field name or ( at the end of the filter"},
		{`a eq 1 or`, "expected a field name or ( at the end of the filter"},
		{`and a eq 1`, `expected a field name or ( at position 0, found "and"`},
		{`true eq 1`, `expected a field name or ( at position 0, found "true"`},
		{`a eq 1 b eq 2`, `expected and, or or the end of the filter at position 7, found "b"`},
		{`a eq 1 AND b eq 2`, `expected and, or or the end of the filter at position 7, found "AND"`},
		{`a eq 1)`, `expected and, or or the end of the filter at position 6, found ")"`},
		{`(a eq 1`, "expected and, or or ) at the end of the filter"},
		{`(a eq 1 b`, `expected and, or or ) at position 8, found "b"`},
		{`()`, `expected a field name or ( at position 1, found ")"`},
		{`_a eq 1`, `unexpected character "_" at position 0`},
		{`a eq 1 && b eq 2`, `unexpected character "&" at position 7`},
		{"a eq 1\nand b eq 2", `unexpected character "\n" at position 6`},
		{`a eq 'é' or é eq 1`, `unexpected character "é" at position 12`},
		{"a eq 1 or \xff", `unexpected character "\xff" at position 10`},
		{`a in 1`, `expected a list such as (1,2) after in at position 5, found "1"`},
		{`a in 'x'`, `expected a list such as (1,2) after in at position 5, found "'x'"`},
		{`a in`, "expected a list such as (1,2) after in at the end of the filter"},
		{`a in ()`, `expected a value (a quoted string, an integer, true or false) at position 6, found ")"`},
		{`a in (1,)`, `expected a value (a quoted string, an integer, true or false) at position 8, found ")"`},
		{`a in (1 2)`, `expected , or ) at position 8, found "2"`},
		{`a in (1`, "expected , or ) at the end of the filter"},
		{`a in circle`, "expected a list such as (1,2) after in at the end of the filter"},
		{`a in and(1)`, `expected a list such as (1,2) after in at position 5, found "and"`},
		{`a in circle org(1)`, `expected a list such as (1,2) after in at position 12, found "org"`},
		{`a in ((1))`, `expected a value (a quoted string, an integer, true or false) at position 6, found "("`},
		{strings.Repeat("(", MaxFilterDepth+1) + "a eq 1" + strings.Repeat(")", MaxFilterDepth+1), "parentheses nest more than 32 deep at position 32"},
		{strings.Repeat("(", 100000), "the filter is 100000 bytes long; at most 4096 are accepted"},
		{"a eq '" + strings.Repeat("x", MaxFilterLength) + "'", "the filter is 4103 bytes long; at most 4096 are accepted"},
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.in)
		if err == nil {
			t.Errorf("ParseFilter(%q) = %s, want an error", tt.in, FormatFilter(f))
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != EInvalid || e.Message != "invalid filter" {
			t.Errorf("ParseFilter(%q): %#v, want an EInvalid *Error", tt.in, err)
			continue
		}
		if len(e.Reasons) != 1 || e.Reasons[0] != tt.reason {
			t.Errorf("ParseFilter(%q) reasons = %q, want [%q]", tt.in, e.Reasons, tt.reason)
		}
	}
}

func TestParseFilterLimits(t *testing.T) {
	// The longest filter accepted parses in full.
	long := "a in (" + strings.Repeat("1,", (MaxFilterLength-8)/2) + "1)"
	if len(long) > MaxFilterLength {
		t.Fatalf("test filter is %d bytes", len(long))
	}
	f, err := ParseFilter(long)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.(*FilterCondition).Values); n != (MaxFilterLength-8)/2+1 {
		t.Errorf("got %d values", n)
	}
	// An or inside an and needs its parentheses; such groups nest up to the limit.
	deep := "a eq 1"
	for range MaxFilterDepth {
		deep = "b eq 1 and (" + deep + " or c eq 1)"
	}
	f, err = ParseFilter(deep)
	if err != nil {
		t.Fatal(err)
	}
	if got := FormatFilter(f); got != deep {
		t.Errorf("FormatFilter = %s, want %s", got, deep)
	}
	if _, err := ParseFilter("b eq 1 and (" + deep + " or c eq 1)"); err == nil {
		t.Error("a filter nested one level deeper than the limit parsed")
	}
}

func TestFormatFilter(t *testing.T) {
	tests := []struct {
		f    Filter
		want string
	}{
		{cond("status", OpEq, str("Disabled")), `status eq 'Disabled'`},
		{cond("name", OpEq, str("it's")), `name eq 'it''s'`},
		{cond("person", OpIn, num(1), num(-2)), `person in (1,-2)`},
		{&FilterCondition{Field: "person", Op: OpIn, Values: []FilterValue{num(2)}, ListName: "circle"}, `person in circle(2)`},
		{cond("x", OpEq, boolean(false)), `x eq false`},
		{
			and(or(cond("a", OpEq, num(1)), cond("b", OpEq, num(2))), cond("c", OpEq, num(3))),
			`(a eq 1 or b eq 2) and c eq 3`,
		},
		{
			or(and(cond("a", OpEq, num(1)), cond("b", OpEq, num(2))), cond("c", OpEq, num(3))),
			`a eq 1 and b eq 2 or c eq 3`,
		},
		// Nodes ParseFilter would have flattened keep their meaning.
		{and(and(cond("a", OpEq, num(1))), cond("b", OpEq, num(2))), `(a eq 1) and b eq 2`},
		{or(or(cond("a", OpEq, num(1))), cond("b", OpEq, num(2))), `(a eq 1) or b eq 2`},
		{nil, ``},
		{(*FilterCondition)(nil), ``},
	}
	for _, tt := range tests {
		if got := FormatFilter(tt.f); got != tt.want {
			t.Errorf("FormatFilter = %s, want %s", got, tt.want)
		}
	}
	c := cond("status", OpEq, str("Enabled"))
	for _, s := range []fmt.Stringer{c, and(c, c), or(c, c)} {
		if got, want := s.String(), FormatFilter(s.(Filter)); got != want {
			t.Errorf("String() = %s, want %s", got, want)
		}
	}
}

// filterSeeds are the inputs every filter fuzzer starts from, typical and tricky.
var filterSeeds = []string{
	``,
	`status eq 'Disabled'`,
	`status eq 'Uninitialized'`,
	`collection-name in ('clockings','contracts') and status eq 'Enabled'`,
	`(status eq 'Enabled' or collection-name eq 'contracts')`,
	`collectionName eq 'clockings' or (status in ('Enabled') and collection-name eq 'x')`,
	`date ge '2024-01-01' and date le '2024-01-31' and person in (1,2) and kind eq 'InOut'`,
	`person in circle(2, 8) or person in org-group(121,122)`,
	`name eq 'it''s' and x eq -9223372036854775808 and y eq true`,
	`((a eq 1)and(b eq 2 or c eq 3))`,
	`status eq'x'`,
	`a eq 'unterminated`,
	`a in ()`,
	"a eq '\xff\x00'",
	strings.Repeat("(", 40) + "a eq 1" + strings.Repeat(")", 40),
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range filterSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFilter(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != EInvalid || len(e.Reasons) != 1 {
				t.Fatalf("ParseFilter(%q): %#v, want an EInvalid *Error with one reason", s, err)
			}
			return
		}
		text := FormatFilter(got)
		again, err := parseFilter(text)
		if err != nil {
			t.Fatalf("ParseFilter(%q) formats as %q, which fails: %v", s, text, err)
		}
		if !reflect.DeepEqual(again, got) {
			t.Fatalf("ParseFilter(%q) = %#v, but its format %q parses as %#v", s, got, text, again)
		}
		if FormatFilter(again) != text {
			t.Fatalf("FormatFilter is not stable on %q", text)
		}
	})
}

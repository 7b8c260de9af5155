package shiftwire

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseExternalReferences(t *testing.T) {
	tests := []struct {
		in   string
		want ExternalReferences
	}{
		{``, nil},
		{`(people,@badge-number)`, ExternalReferences{{People, RefBadgeNumber}}},
		{
			`(people,@badge-number)(terminals,@external-code)`,
			ExternalReferences{{People, RefBadgeNumber}, {Terminals, RefExternalCode}},
		},
		{`(contracts,HRCODE)`, ExternalReferences{{Contracts, "HRCODE"}}},
		{`(people,HR_M.I-D2)`, ExternalReferences{{People, "HR_M.I-D2"}}},
		{`(people,-)`, ExternalReferences{{People, "-"}}},
		{`(people,007)`, ExternalReferences{{People, "007"}}},
		{`(absence-groups,customAbsenceGroupCode)`, ExternalReferences{{AbsenceGroups, "customAbsenceGroupCode"}}},
		{`(a1-b2,@x1-y2)`, ExternalReferences{{"a1-b2", "@x1-y2"}}},
		{`(people,a)(people,A)`, ExternalReferences{{People, "a"}, {People, "A"}}},
		{`(people,` + strings.Repeat("x", 100) + `)`, ExternalReferences{{People, strings.Repeat("x", 100)}}},
		{strings.Repeat("(people,x)", 0), nil},
	}
	for _, tt := range tests {
		got, err := ParseExternalReferences(tt.in)
		if err != nil {
			t.Errorf("ParseExternalReferences(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseExternalReferences(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("ParseExternalReferences(%q).String() = %q", tt.in, s)
		}
	}

	var twenty strings.Builder
	for i := range MaxExternalReferences {
		fmt.Fprintf(&twenty, "(people,ref%d)", i)
	}
	refs, err := ParseExternalReferences(twenty.String())
	if err != nil || len(refs) != MaxExternalReferences {
		t.Errorf("%d pairs: %d, %v", MaxExternalReferences, len(refs), err)
	}
}

func TestParseExternalReferencesErrors(t *testing.T) {
	var twentyOne strings.Builder
	for i := range MaxExternalReferences + 1 {
		fmt.Fprintf(&twentyOne, "(people,r%d)", i)
	}
	tests := []struct{ in, reason string }{
		{`people,@badge-number`, `expected ( at position 0, found "p"`},
		{`(people,@badge-number),(terminals,x)`, `expected ( at position 22, found ","`},
		{`(people,@badge-number) (terminals,x)`, `expected ( at position 22, found " " (external references contain no spaces)`},
		{`( people,x)`, `expected a collection name such as people at position 1, found " " (external references contain no spaces)`},
		{`(people, x)`, `expected a reference name such as @badge-number or a custom name at position 8, found " " (external references contain no spaces)`},
		{`(people,x )`, `expected ) at position 9, found " " (external references contain no spaces)`},
		{"(people,x)\t", `expected ( at position 10, found "\t" (external references contain no spaces)`},
		{`(`, "expected a collection name such as people at the end of the external references"},
		{`()`, `expected a collection name such as people at position 1, found ")"`},
		{`(,x)`, `expected a collection name such as people at position 1, found ","`},
		{`(People,x)`, `expected a collection name such as people at position 1, found "P"`},
		{`(1people,x)`, `expected a collection name such as people at position 1, found "1"`},
		{`(-people,x)`, `expected a collection name such as people at position 1, found "-"`},
		{`(people-,x)`, `expected , at position 7, found "-"`},
		{`(peo--ple,x)`, `expected , at position 4, found "-"`},
		{`(people_x,x)`, `expected , at position 7, found "_"`},
		{`(people`, "expected , at the end of the external references"},
		{`(people)`, `expected , at position 7, found ")"`},
		{`(people,`, "expected a reference name such as @badge-number or a custom name at the end of the external references"},
		{`(people,)`, `expected a reference name such as @badge-number or a custom name at position 8, found ")"`},
		{`(people,@)`, `expected a predefined reference name in kebab case, such as @badge-number at position 9, found ")"`},
		{`(people,@)`[:9], "expected a predefined reference name in kebab case, such as @badge-number at the end of the external references"},
		{`(people,@Badge)`, `expected a predefined reference name in kebab case, such as @badge-number at position 9, found "B"`},
		{`(people,@badge-Number)`, `expected ) at position 14, found "-"`},
		{`(people,@badge_number)`, `expected ) at position 14, found "_"`},
		{`(people,HR@ID)`, `expected ) at position 10, found "@"`},
		{`(people,x,y)`, `expected ) at position 9, found ","`},
		{`(people,x`, "expected ) at the end of the external references"},
		{`(people,x))`, `expected ( at position 10, found ")"`},
		{`(people,é)`, `expected a reference name such as @badge-number or a custom name at position 8, found "é"`},
		{"(people,\xff)", `expected a reference name such as @badge-number or a custom name at position 8, found "\xff"`},
		{`(people,` + strings.Repeat("x", 101) + `)`, "the name at position 8 is 101 characters long; at most 100 are accepted"},
		{`(people,@` + strings.Repeat("x", 100) + `)`, "the name at position 8 is 101 characters long; at most 100 are accepted"},
		{`(` + strings.Repeat("x", 101) + `,y)`, "the name at position 1 is 101 characters long; at most 100 are accepted"},
		{`(people,@badge-number)(people,@badge-number)`, "(people,@badge-number) is selected twice at position 22"},
		{`(people,a)(terminals,b)(people,a)`, "(people,a) is selected twice at position 23"},
		{twentyOne.String(), "more than 20 external references are selected at position 230"},
	}
	for _, tt := range tests {
		refs, err := ParseExternalReferences(tt.in)
		if err == nil {
			t.Errorf("ParseExternalReferences(%q) = %v, want an error", tt.in, refs)
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != EInvalid || e.Message != "invalid external references" {
			t.Errorf("ParseExternalReferences(%q): %#v, want an EInvalid *Error", tt.in, err)
			continue
		}
		if len(e.Reasons) != 1 || e.Reasons[0] != tt.reason {
			t.Errorf("ParseExternalReferences(%q) reasons = %q, want [%q]", tt.in, e.Reasons, tt.reason)
		}
	}
}

// TestCheckReferences holds the rules of SPEC section 5: only the pairs the seeds list for a
// collection are accepted.
func TestCheckReferences(t *testing.T) {
	const (
		none     = "the %s collection does not support external references"
		people   = "people supports @badge-number, @employee-number and custom references"
		contract = "contracts supports custom references"
	)
	tests := []struct {
		collection string
		refs       string
		reasons    []string // nil: accepted
	}{
		// break-definitions and absence-groups: none.
		{BreakDefinitions, ``, nil},
		{BreakDefinitions, `(break-definitions,code)`, []string{fmt.Sprintf(none, BreakDefinitions)}},
		{BreakDefinitions, `(break-definitions,@code)`, []string{fmt.Sprintf(none, BreakDefinitions)}},
		{BreakDefinitions, `(people,@badge-number)`, []string{fmt.Sprintf(none, BreakDefinitions)}},
		{AbsenceGroups, ``, nil},
		{AbsenceGroups, `(absence-groups,customAbsenceGroupCode)`, []string{fmt.Sprintf(none, AbsenceGroups)}},
		{AbsenceGroups, `(people,HRMID)(terminals,x)`, []string{fmt.Sprintf(none, AbsenceGroups)}},

		// contracts: (contracts,<custom>) and (people,@badge-number|@employee-number|<custom>).
		{Contracts, `(contracts,HRCODE)`, nil},
		{Contracts, `(people,@badge-number)`, nil},
		{Contracts, `(people,@employee-number)`, nil},
		{Contracts, `(people,HRMID)`, nil},
		{Contracts, `(contracts,HRCODE)(people,@badge-number)(people,@employee-number)(people,HRMID)`, nil},
		{Contracts, `(contracts,@code)`, []string{"(contracts,@code) is not supported: " + contract}},
		{Contracts, `(contracts,@external-code)`, []string{"(contracts,@external-code) is not supported: " + contract}},
		{Contracts, `(people,@external-code)`, []string{"(people,@external-code) is not supported: " + people}},
		{Contracts, `(terminals,@external-code)`, []string{"(terminals,@external-code) is not supported: contracts supports external references on contracts and people"}},
		{Contracts, `(terminals,x)`, []string{"(terminals,x) is not supported: contracts supports external references on contracts and people"}},
		{Contracts, `(clockings,x)`, []string{"(clockings,x) is not supported: contracts supports external references on contracts and people"}},

		// clockings: people, (terminals,@external-code|<custom>),
		// (activity-definitions,@data-entry-code|@external-reference|<custom>),
		// (absence-definitions,@absence-code|<custom>).
		{Clockings, `(people,@badge-number)`, nil},
		{Clockings, `(people,@employee-number)`, nil},
		{Clockings, `(people,HRMID)`, nil},
		{Clockings, `(terminals,@external-code)`, nil},
		{Clockings, `(terminals,TERM)`, nil},
		{Clockings, `(activity-definitions,@data-entry-code)`, nil},
		{Clockings, `(activity-definitions,@external-reference)`, nil},
		{Clockings, `(activity-definitions,ACT)`, nil},
		{Clockings, `(absence-definitions,@absence-code)`, nil},
		{Clockings, `(absence-definitions,ABS)`, nil},
		{Clockings, `(people,@badge-number)(terminals,@external-code)(activity-definitions,@data-entry-code)(absence-definitions,@absence-code)`, nil},
		{Clockings, `(people,@absence-code)`, []string{"(people,@absence-code) is not supported: " + people}},
		{Clockings, `(terminals,@badge-number)`, []string{"(terminals,@badge-number) is not supported: terminals supports @external-code and custom references"}},
		{Clockings, `(activity-definitions,@absence-code)`, []string{"(activity-definitions,@absence-code) is not supported: activity-definitions supports @data-entry-code, @external-reference and custom references"}},
		{Clockings, `(absence-definitions,@external-code)`, []string{"(absence-definitions,@external-code) is not supported: absence-definitions supports @absence-code and custom references"}},
		{Clockings, `(clockings,x)`, []string{"(clockings,x) is not supported: clockings supports external references on people, terminals, activity-definitions and absence-definitions"}},
		{Clockings, `(contracts,x)`, []string{"(contracts,x) is not supported: clockings supports external references on people, terminals, activity-definitions and absence-definitions"}},
		{Clockings, `(counter-definitions,@counter-code)`, []string{"(counter-definitions,@counter-code) is not supported: clockings supports external references on people, terminals, activity-definitions and absence-definitions"}},
		// Every refused pair gets its own reason; accepted ones are not mentioned.
		{Clockings, `(people,@x)(terminals,TERM)(shift-definitions,@shift-code)`, []string{
			"(people,@x) is not supported: " + people,
			"(shift-definitions,@shift-code) is not supported: clockings supports external references on people, terminals, activity-definitions and absence-definitions",
		}},
	}
	for _, tt := range tests {
		c, ok := CollectionByName(tt.collection)
		if !ok {
			t.Fatalf("no collection %s", tt.collection)
		}
		refs, err := ParseExternalReferences(tt.refs)
		if err != nil {
			t.Fatalf("ParseExternalReferences(%q): %v", tt.refs, err)
		}
		err = c.EventReferences().CheckReferences(refs)
		if tt.reasons == nil {
			if err != nil {
				t.Errorf("%s.CheckReferences(%s): %v", tt.collection, tt.refs, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != EInvalid {
			t.Errorf("%s.CheckReferences(%s) = %#v, want an EInvalid *Error", tt.collection, tt.refs, err)
			continue
		}
		if !slices.Equal(e.Reasons, tt.reasons) {
			t.Errorf("%s.CheckReferences(%s) reasons = %q, want %q", tt.collection, tt.refs, e.Reasons, tt.reasons)
		}
	}
}

// A rule without custom references refuses custom names, though no seed needs one yet.
func TestCheckReferencesWithoutCustom(t *testing.T) {
	c := ReferenceRules{Collection: "x", Rules: []ReferenceRule{
		{Collection: "a", Predefined: []string{"@code"}},
		{Collection: "b"},
	}}
	err := c.CheckReferences(ExternalReferences{{"a", "@code"}, {"a", "custom"}, {"b", "@code"}})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("CheckReferences = %v", err)
	}
	want := []string{
		"(a,custom) is not supported: a supports @code",
		"(b,@code) is not supported: b supports no external references",
	}
	if !slices.Equal(e.Reasons, want) {
		t.Errorf("reasons = %q, want %q", e.Reasons, want)
	}
}

func TestExternalReferencesFor(t *testing.T) {
	refs := ExternalReferences{{People, "b"}, {Terminals, "t"}, {People, "a"}}
	if got := refs.For(People); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("For(people) = %q", got)
	}
	if got := refs.For(Contracts); got != nil {
		t.Errorf("For(contracts) = %q, want nil", got)
	}
	if got := ExternalReferences(nil).For(People); got != nil {
		t.Errorf("nil.For(people) = %q, want nil", got)
	}
}

func TestExternalReferencesJSON(t *testing.T) {
	tests := []struct {
		refs ExternalReferences
		json string
		back ExternalReferences // what the JSON reads back as, grouped by collection
	}{
		{nil, `null`, nil},
		{ExternalReferences{}, `null`, nil},
		{
			ExternalReferences{{People, RefBadgeNumber}, {Terminals, RefExternalCode}},
			`{"people":["@badge-number"],"terminals":["@external-code"]}`,
			ExternalReferences{{People, RefBadgeNumber}, {Terminals, RefExternalCode}},
		},
		{
			ExternalReferences{{Terminals, RefExternalCode}, {People, "HRMID"}, {Terminals, "T"}, {People, RefBadgeNumber}},
			`{"terminals":["@external-code","T"],"people":["HRMID","@badge-number"]}`,
			ExternalReferences{{Terminals, RefExternalCode}, {Terminals, "T"}, {People, "HRMID"}, {People, RefBadgeNumber}},
		},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.refs)
		if err != nil || string(b) != tt.json {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.refs, b, err, tt.json)
		}
		var back ExternalReferences
		if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, tt.back) {
			t.Errorf("Unmarshal(%s) = %#v, %v; want %#v", b, back, err, tt.back)
		}
	}

	// As a field of a resource, an empty selection is left out.
	type resource struct {
		ExternalReferences ExternalReferences `json:"externalReferences,omitempty"`
	}
	for _, refs := range []ExternalReferences{nil, {}} {
		if b, _ := json.Marshal(resource{refs}); string(b) != `{}` {
			t.Errorf("Marshal(resource{%#v}) = %s", refs, b)
		}
	}
	var r resource
	if err := json.Unmarshal([]byte(`{"externalReferences":{"people":["@badge-number"]}}`), &r); err != nil ||
		!reflect.DeepEqual(r.ExternalReferences, ExternalReferences{{People, RefBadgeNumber}}) {
		t.Errorf("Unmarshal resource = %#v, %v", r, err)
	}

	// Other JSON readings: key order is kept, empty lists select nothing.
	reads := []struct {
		json string
		want ExternalReferences
	}{
		{` null `, nil},
		{`{}`, nil},
		{`{"people":[]}`, nil},
		{` { "terminals" : [ "x" ] , "people" : [ "@badge-number" , "y" ] } `, ExternalReferences{{Terminals, "x"}, {People, RefBadgeNumber}, {People, "y"}}},
		{`{"people":["a"],"people":["b"]}`, ExternalReferences{{People, "a"}, {People, "b"}}},
	}
	for _, tt := range reads {
		refs := ExternalReferences{{"old", "value"}}
		if err := json.Unmarshal([]byte(tt.json), &refs); err != nil || !reflect.DeepEqual(refs, tt.want) {
			t.Errorf("Unmarshal(%s) = %#v, %v; want %#v", tt.json, refs, err, tt.want)
		}
	}
}

func TestExternalReferencesUnmarshalErrors(t *testing.T) {
	var twentyOne []string
	for i := range MaxExternalReferences + 1 {
		twentyOne = append(twentyOne, fmt.Sprintf("%q", fmt.Sprint("r", i)))
	}
	tests := []struct{ json, reason string }{
		{`[]`, `external references must be an object of lists of names, such as {"people":["@badge-number"]}`},
		{`"(people,x)"`, `external references must be an object of lists of names, such as {"people":["@badge-number"]}`},
		{`{"people":"@badge-number"}`, `the external references of "people" must be a list of names`},
		{`{"people":[1]}`, `the external references of "people" must be a list of names`},
		{`{"people":null}`, ``}, // null decodes as an empty list
		{`{"People":["x"]}`, `"(People,x)" is not a valid external reference`},
		{`{"":["x"]}`, `"(,x)" is not a valid external reference`},
		{`{"people":[""]}`, `"(people,)" is not a valid external reference`},
		{`{"people":["a b"]}`, `"(people,a b)" is not a valid external reference`},
		{`{"people":["@Badge"]}`, `"(people,@Badge)" is not a valid external reference`},
		{`{"people":["` + strings.Repeat("x", 101) + `"]}`, `"(people,` + strings.Repeat("x", 92) + `..." is not a valid external reference`},
		{`{"people":["a","a"]}`, `(people,a) is selected twice`},
		{`{"people":[` + strings.Join(twentyOne, ",") + `]}`, `more than 20 external references are selected`},
	}
	for _, tt := range tests {
		var refs ExternalReferences
		err := json.Unmarshal([]byte(tt.json), &refs)
		if tt.reason == "" {
			if err != nil {
				t.Errorf("Unmarshal(%s): %v", tt.json, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != EInvalid || len(e.Reasons) != 1 || e.Reasons[0] != tt.reason {
			t.Errorf("Unmarshal(%s) = %v, want reason %q", tt.json, err, tt.reason)
		}
	}
	// Called directly, UnmarshalJSON sees input that json.Unmarshal would have refused.
	for _, data := range []string{``, `{`, `{"people":["x"]`, `{"people":["x"]} {}`, `{"people" "x"}`} {
		var refs ExternalReferences
		if err := refs.UnmarshalJSON([]byte(data)); ErrorCodeOf(err) != EInvalid {
			t.Errorf("UnmarshalJSON(%s) = %v, want an EInvalid error", data, err)
		}
	}
}

func FuzzParseExternalReferences(f *testing.F) {
	for _, s := range []string{
		``,
		`(people,@badge-number)`,
		`(people,@badge-number)(terminals,@external-code)`,
		`(contracts,HRCODE)(people,@employee-number)(people,HR_M.I-D)`,
		`(activity-definitions,@data-entry-code)(absence-definitions,@absence-code)`,
		`(break-definitions,x)`,
		`(people,x)(people,x)`,
		`(people,@)`,
		`(people, x)`,
		`(people,x`,
		`(peo--ple,x)`,
		"(people,\xff)",
		strings.Repeat("(people,x)", 21),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		refs, err := ParseExternalReferences(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != EInvalid || len(e.Reasons) != 1 {
				t.Fatalf("ParseExternalReferences(%q): %#v, want an EInvalid *Error with one reason", s, err)
			}
			return
		}
		if got := refs.String(); got != s {
			t.Fatalf("ParseExternalReferences(%q).String() = %q", s, got)
		}
		again, err := ParseExternalReferences(refs.String())
		if err != nil || !reflect.DeepEqual(again, refs) {
			t.Fatalf("ParseExternalReferences(%q) = %v, but its String parses as %v, %v", s, refs, again, err)
		}
		// The JSON form keeps every pair, grouped by collection.
		b, err := json.Marshal(refs)
		if err != nil {
			t.Fatal(err)
		}
		var back ExternalReferences
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		var grouped ExternalReferences
		for _, c := range refs.collections() {
			for _, name := range refs.For(c) {
				grouped = append(grouped, ExternalReference{c, name})
			}
		}
		if !reflect.DeepEqual(back, grouped) {
			t.Fatalf("%q reads back from %s as %v", s, b, back)
		}
		// Checking never panics, and what it accepts for a collection is allowed by a rule.
		for _, c := range Collections() {
			if err := c.EventReferences().CheckReferences(refs); err != nil && ErrorCodeOf(err) != EInvalid {
				t.Fatalf("%s.CheckReferences(%v) = %v", c.Name, refs, err)
			}
		}
	})
}

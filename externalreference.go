package shiftwire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ExternalReference selects one external reference to add to payloads: Name (a predefined
// reference such as "@badge-number", or a custom name) on objects of Collection.
type ExternalReference struct {
	Collection string
	Name       string
}

// ExternalReferences is a selection of external references, in the order they were given.
type ExternalReferences []ExternalReference

// The limits of an external reference selection.
const (
	// MaxExternalReferences is the most pairs one selection may hold; the rules of every
	// collection together allow far fewer predefined ones, and a handful of custom ones is
	// what integrations use.
	MaxExternalReferences = 20
	// MaxExternalReferenceName is the longest collection or reference name, in characters.
	MaxExternalReferenceName = 100
)

// ParseExternalReferences parses the ?externalReferences= query value:
// (collection,reference)(collection,reference)... with no separator and no spaces. A
// collection is a kebab-case name; a reference is either predefined, '@' and a kebab-case
// name such as @badge-number, or custom, 1 to 100 ASCII letters, digits, '_', '-' and '.'.
// At most MaxExternalReferences pairs are accepted, each once.
//
// Only the syntax is checked here; Collection.CheckReferences decides which pairs a webhook
// of a collection may select. The empty string selects nothing and returns nil. A failure
// is an EInvalid *Error whose reason says what was expected at which position, counted
// from 0.
func ParseExternalReferences(s string) (ExternalReferences, error) {
	var refs ExternalReferences
	for i := 0; i < len(s); {
		start := i
		if s[i] != '(' {
			return nil, refSyntaxError(s, i, "(")
		}
		i++
		n := scanName(s[i:])
		if n == 0 {
			return nil, refSyntaxError(s, i, "a collection name such as people")
		}
		if err := checkNameLength(s, i, n); err != nil {
			return nil, err
		}
		coll := s[i : i+n]
		i += n
		if i == len(s) || s[i] != ',' {
			return nil, refSyntaxError(s, i, ",")
		}
		i++
		n = scanReference(s[i:])
		if n == 0 && i < len(s) && s[i] == '@' {
			return nil, refSyntaxError(s, i+1, "a predefined reference name in kebab case, such as @badge-number")
		}
		if n == 0 {
			return nil, refSyntaxError(s, i, "a reference name such as @badge-number or a custom name")
		}
		if err := checkNameLength(s, i, n); err != nil {
			return nil, err
		}
		ref := ExternalReference{Collection: coll, Name: s[i : i+n]}
		i += n
		if i == len(s) || s[i] != ')' {
			return nil, refSyntaxError(s, i, ")")
		}
		i++
		if err := refs.add(ref, " at position "+strconv.Itoa(start)); err != nil {
			return nil, err
		}
	}
	return refs, nil
}

// add appends ref unless that would break the rules on duplicates and size; where tells the
// user which input is at fault.
func (r *ExternalReferences) add(ref ExternalReference, where string) error {
	for _, have := range *r {
		if have == ref {
			return externalReferenceError(fmt.Sprintf("%s is selected twice%s", ref, where))
		}
	}
	if len(*r) == MaxExternalReferences {
		return externalReferenceError(fmt.Sprintf("more than %d external references are selected%s", MaxExternalReferences, where))
	}
	*r = append(*r, ref)
	return nil
}

func externalReferenceError(reason string) *Error {
	return Invalid("invalid external references", reason)
}

// refSyntaxError reports that what was expected at byte offset i of s. Every byte the parser
// accepts is ASCII, so the offset is also the character position.
func refSyntaxError(s string, i int, what string) *Error {
	if i == len(s) {
		return externalReferenceError("expected " + what + " at the end of the external references")
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	found := s[i : i+size]
	hint := ""
	if s[i] == ' ' || s[i] == '\t' {
		hint = " (external references contain no spaces)"
	}
	return externalReferenceError(fmt.Sprintf("expected %s at position %d, found %s%s", what, i, quote(found), hint))
}

func checkNameLength(s string, i, n int) error {
	if n > MaxExternalReferenceName {
		return externalReferenceError(fmt.Sprintf("the name at position %d is %d characters long; at most %d are accepted", i, n, MaxExternalReferenceName))
	}
	return nil
}

// scanName returns the length of the kebab-case name at the start of s: lower-case letters
// and digits in words joined by single hyphens, starting with a letter.
func scanName(s string) int {
	n := 0
	for n < len(s) {
		c := s[n]
		switch {
		case 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && n > 0:
		case c == '-' && n > 0 && n+1 < len(s) && isKebabByte(s[n+1]):
		default:
			return n
		}
		n++
	}
	return n
}

func isKebabByte(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// scanReference returns the length of the reference name at the start of s, 0 if there is
// none. A predefined name that does not continue as kebab-case ends early, so the caller
// reports the character that broke it.
func scanReference(s string) int {
	if strings.HasPrefix(s, "@") {
		n := scanName(s[1:])
		if n == 0 {
			return 0
		}
		return 1 + n
	}
	n := 0
	for n < len(s) && isCustomByte(s[n]) {
		n++
	}
	return n
}

func isCustomByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.'
}

// validReferencePair reports whether ref is what ParseExternalReferences accepts for one
// pair, so that JSON input obeys the same rules as the query.
func validReferencePair(ref ExternalReference) bool {
	c, n := ref.Collection, ref.Name
	return c != "" && len(c) <= MaxExternalReferenceName && scanName(c) == len(c) &&
		n != "" && len(n) <= MaxExternalReferenceName && scanReference(n) == len(n)
}

// String renders the pair as in the query: (people,@badge-number).
func (r ExternalReference) String() string { return "(" + r.Collection + "," + r.Name + ")" }

// String renders the selection as the ?externalReferences= query value that
// ParseExternalReferences reads: (people,@badge-number)(terminals,@external-code).
func (r ExternalReferences) String() string {
	var b strings.Builder
	for _, ref := range r {
		b.WriteString(ref.String())
	}
	return b.String()
}

// For returns the reference names selected on collection, in the order they were given.
func (r ExternalReferences) For(collection string) []string {
	var names []string
	for _, ref := range r {
		if ref.Collection == collection {
			names = append(names, ref.Name)
		}
	}
	return names
}

// collections returns the referenced collections in the order of their first appearance.
func (r ExternalReferences) collections() []string {
	var names []string
	seen := make(map[string]bool)
	for _, ref := range r {
		if !seen[ref.Collection] {
			seen[ref.Collection] = true
			names = append(names, ref.Collection)
		}
	}
	return names
}

// MarshalJSON renders the selection as the webhook resource shows it, an object keyed by
// collection in the order of first appearance: {"people":["@badge-number"]}. An empty
// selection is null; callers leave it out with omitempty.
func (r ExternalReferences) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, coll := range r.collections() {
		if i > 0 {
			b.WriteByte(',')
		}
		// Marshalling strings cannot fail.
		key, _ := json.Marshal(coll)
		names, _ := json.Marshal(r.For(coll))
		b.Write(key)
		b.WriteByte(':')
		b.Write(names)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads the form MarshalJSON writes, keeping the order of the keys and names,
// and applies the rules of ParseExternalReferences to every pair. null selects nothing.
func (r *ExternalReferences) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		*r = nil
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	bad := func(format string, args ...any) error {
		return externalReferenceError(fmt.Sprintf(format, args...))
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return bad("external references must be an object of lists of names, such as {\"people\":[\"@badge-number\"]}")
	}
	var refs ExternalReferences
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return bad("external references are not valid JSON: %v", err)
		}
		coll, _ := t.(string)
		var names []string
		if err := dec.Decode(&names); err != nil {
			return bad("the external references of %s must be a list of names", quote(coll))
		}
		for _, name := range names {
			ref := ExternalReference{Collection: coll, Name: name}
			if !validReferencePair(ref) {
				return bad("%s is not a valid external reference", quote(ref.String()))
			}
			if err := refs.add(ref, ""); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return bad("external references are not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err == nil {
		return bad("external references are followed by more JSON")
	}
	*r = refs
	return nil
}

// ReferenceRules says which external references a selection on Collection may name: the
// events of its webhooks (CollectionType.EventReferences) or its reads (ReadReferences).
type ReferenceRules struct {
	Collection string
	Rules      []ReferenceRule
}

// ReferenceRule allows external references on one referenced collection: the predefined ones
// listed (each starting with @) and, when Custom is set, any custom name.
type ReferenceRule struct {
	Collection string
	Predefined []string
	Custom     bool
}

// rule returns the rule for referenced collection name.
func (c ReferenceRules) rule(name string) (ReferenceRule, bool) {
	for _, r := range c.Rules {
		if r.Collection == name {
			return r, true
		}
	}
	return ReferenceRule{}, false
}

// CheckReferences reports whether refs may be selected: every pair must be allowed by one
// of the rules. The error, an EInvalid *Error, has one reason per refused pair, naming it
// and what would be accepted instead.
func (c ReferenceRules) CheckReferences(refs ExternalReferences) error {
	if len(refs) == 0 {
		return nil
	}
	if len(c.Rules) == 0 {
		return externalReferenceError(fmt.Sprintf("the %s collection does not support external references", c.Collection))
	}
	var reasons []string
	for _, ref := range refs {
		rule, ok := c.rule(ref.Collection)
		switch {
		case !ok:
			reasons = append(reasons, fmt.Sprintf("%s is not supported: %s supports external references on %s", ref, c.Collection, c.referencedCollections()))
		case strings.HasPrefix(ref.Name, "@") && !slices.Contains(rule.Predefined, ref.Name),
			!strings.HasPrefix(ref.Name, "@") && !rule.Custom:
			reasons = append(reasons, fmt.Sprintf("%s is not supported: %s supports %s", ref, rule.Collection, rule.describe()))
		}
	}
	if len(reasons) > 0 {
		return Invalid("invalid external references", reasons...)
	}
	return nil
}

// referencedCollections lists the collections c has reference rules for, in prose.
func (c ReferenceRules) referencedCollections() string {
	names := make([]string, len(c.Rules))
	for i, r := range c.Rules {
		names[i] = r.Collection
	}
	return joinAnd(names)
}

// describe lists in prose the references r allows: "@badge-number, @employee-number and
// custom references".
func (r ReferenceRule) describe() string {
	items := append([]string(nil), r.Predefined...)
	if r.Custom {
		items = append(items, "custom references")
	}
	if len(items) == 0 {
		return "no external references"
	}
	return joinAnd(items)
}

// joinAnd joins items as an English list: "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

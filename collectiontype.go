package shiftwire

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
)

// CollectionType declares one collection: everything Shiftwire knows of it, in one value in
// the registry (collection.go). Scopes, routes, reference checks, the external references
// reads and webhooks may select, list filters and the keys stores index are all derived from
// it, so adding a collection is one file with its Go type, its decoder and this declaration,
// and one registry line. Every rule is plain Go; stores only keep what it decides.
type CollectionType struct {
	// Name is the collection's name, as in URLs and scopes.
	Name string
	// Subscribable reports whether a webhook may subscribe to the collection's changes;
	// the others are only read, written and referred to.
	Subscribable bool

	// New returns an empty record of the collection's Go type, which embeds Base.
	New func() Record
	// DecodeFields reads every field of a write body except id and the read-only ones,
	// with the field rules and the rules across fields.
	DecodeFields func(f *Fields) Record
	// Prepare, when set, applies server-side behaviour before a record is stored:
	// read-only fields and what Protime keeps from the previous version, prev (nil on
	// insert).
	Prepare func(r Record, prev Record)

	// Refs are the members that refer to objects of other collections. They must name
	// existing objects when written, and they are where external references go in reads
	// and events.
	Refs []Ref
	// Predefined are the predefined external references the collection's objects hold in
	// their own fields, such as @badge-number in a person's badgeNumber.
	Predefined []PredefinedRef
	// Filters are the list filters the collection accepts in ?filter=.
	Filters []ListFilter
	// EventRefs, when not nil, are the external references webhooks of the collection may
	// select, as the reference documents list them, instead of those derived from Refs (an
	// empty, non-nil list allows none).
	EventRefs []ReferenceRule

	// SoftDelete, when set, makes a delete keep the object and mark it deleted; it reports
	// false when the object already was.
	SoftDelete func(r Record) bool
	// ResaveAll makes saving one object re-save every object of the collection, as Protime
	// does for absence groups.
	ResaveAll bool
	// Recalc, when set, says which of a person's days an object bears on: writing it
	// recalculates their calculated totals and paid presences (SPEC 6.1).
	Recalc RecalcSpan

	// Example is a valid write body of the collection, with every field, referring only to
	// objects with id 1 of the collections it refers to. Tests write it and read it back,
	// and fuzz targets start from it.
	Example string
}

// Ref is a member holding a reference to an object of another collection, {"id":N}: a
// top-level member such as person; with Item, the member Item of each element of the array
// member Field, such as activityLevels[].activityDefinition; with Each, every element of
// the array member Field, such as counterDefinitions[].
type Ref struct {
	Field      string
	Item       string
	Each       bool
	Collection string
	// Check, when set, judges a reference to an existing object beyond its existence, such
	// as an addendum's parent contract; it returns the problem, or "".
	Check func(r, target Record) string
}

// path names the reference as a write problem names it: "person.id",
// "activityLevels[2].activityDefinition.id", "counterDefinitions[0].id".
func (r Ref) path(index int) string {
	switch {
	case r.Each:
		return r.Field + "[" + itoa(index) + "].id"
	case r.Item == "":
		return r.Field + ".id"
	}
	return r.Field + "[" + itoa(index) + "]." + r.Item + ".id"
}

// PredefinedRef is a predefined external reference, Name (starting with @), whose value is
// the object's top-level string member Field.
type PredefinedRef struct {
	Name  string
	Field string
}

// predefined returns the declaration of the predefined reference name.
func (t *CollectionType) predefined(name string) (PredefinedRef, bool) {
	for _, p := range t.Predefined {
		if p.Name == name {
			return p, true
		}
	}
	return PredefinedRef{}, false
}

// EventReferences returns the external references webhooks of the collection may select:
// EventRefs when declared, else, on every collection it refers to, that collection's
// predefined references and custom ones, as the seed documents list them, the collection
// itself first. A collection that refers to none supports none.
func (t *CollectionType) EventReferences() ReferenceRules {
	rules := ReferenceRules{Collection: t.Name}
	if t.EventRefs != nil {
		rules.Rules = slices.Clone(t.EventRefs)
		return rules
	}
	refs := slices.Clone(t.Refs)
	slices.SortStableFunc(refs, func(a, b Ref) int {
		return cmp.Compare(boolInt(b.Collection == t.Name), boolInt(a.Collection == t.Name))
	})
	for _, ref := range refs {
		if slices.ContainsFunc(rules.Rules, func(r ReferenceRule) bool { return r.Collection == ref.Collection }) {
			continue
		}
		target := mustCollectionType(ref.Collection)
		rule := ReferenceRule{Collection: target.Name, Custom: true}
		for _, p := range target.Predefined {
			rule.Predefined = append(rule.Predefined, p.Name)
		}
		rules.Rules = append(rules.Rules, rule)
	}
	return rules
}

// ReadReferences returns the external references reads of the collection may select: those
// its webhook events may carry, and the collection's own predefined and custom references,
// which identify an object in GET /{collection}/{reference} and go in its
// externalReferences.
func (t *CollectionType) ReadReferences() ReferenceRules {
	own := ReferenceRule{Collection: t.Name, Custom: true}
	for _, p := range t.Predefined {
		own.Predefined = append(own.Predefined, p.Name)
	}
	slices.Sort(own.Predefined)
	rules := ReferenceRules{Collection: t.Name, Rules: []ReferenceRule{own}}
	for _, r := range t.EventReferences().Rules {
		if r.Collection != t.Name {
			rules.Rules = append(rules.Rules, r)
		}
	}
	return rules
}

// ReadScope returns the scope that allows reading the collection.
func (t *CollectionType) ReadScope() string { return ReadScope(t.Name) }

// WriteScope returns the scope that allows writing the collection.
func (t *CollectionType) WriteScope() string { return WriteScope(t.Name) }

// Decode reads the write body data of an object of the collection and checks every rule
// that does not need other objects, returning all problems as ValidationErrors. When id is
// not 0 it is the object's id from the URL and an id in data is ignored; otherwise data may
// carry a positive id. Read-only fields (changeVersion, externalReferences and those the
// collection computes) are ignored; unknown fields are an error. data must be strict JSON
// (CheckStrictJSON).
func (t *CollectionType) Decode(data []byte, id int64) (Record, error) {
	return t.decodeBody(data, id, id == 0)
}

// decodeBody is Decode, reading the id from the body when bodyID is set and taking id
// otherwise.
func (t *CollectionType) decodeBody(data []byte, id int64, bodyID bool) (Record, error) {
	f, errs := ParseFields(data)
	if errs != nil {
		return nil, errs
	}
	return t.decodeFields(f, id, bodyID)
}

// decodeFields is decodeBody for a body whose fields are parsed.
func (t *CollectionType) decodeFields(f *Fields, id int64, bodyID bool) (Record, error) {
	f.Ignore("changeVersion", "externalReferences")
	if bodyID {
		id = readBodyID(f)
	} else {
		f.Ignore("id")
	}
	r := t.DecodeFields(f)
	if err := f.Done(); err != nil {
		return nil, err
	}
	r.setID(id)
	return r, nil
}

// ValidateRecord checks a record built in Go against the rules its collection applies to
// write bodies, by encoding it and decoding it again, and returns the record as Decode
// would: its read-only fields cleared until the writer sets them, its id kept (0 asks for
// the next free one).
func ValidateRecord(r Record) (Record, error) {
	t, ok := CollectionOf(r)
	if !ok {
		return nil, fmt.Errorf("shiftwire: %T is not the record of a collection", r)
	}
	data, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return t.decodeBody(data, r.ObjectID(), false)
}

// Unmarshal returns the Record a stored object holds.
func (t *CollectionType) Unmarshal(data []byte) (Record, error) {
	r := t.New()
	if err := json.Unmarshal(data, r); err != nil {
		return nil, fmt.Errorf("%s: stored object: %w", t.Name, err)
	}
	return r, nil
}

// readBodyID reads the optional id of a write body.
func readBodyID(f *Fields) int64 {
	id, ok := f.Int("id", false)
	if !ok {
		return 0
	}
	if id < 1 || id > MaxObjectID {
		f.Fail("id", "must be an integer from 1 to %d", MaxObjectID)
		return 0
	}
	return id
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

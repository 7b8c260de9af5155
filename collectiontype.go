package shiftwire

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Record is one object of a collection in its Go form: *BreakDefinition, *Contract,
// *AbsenceGroup, *Clocking, *Person, *Terminal, *ActivityDefinition or *AbsenceDefinition.
// Its JSON is the object as the API shows it, without changeVersion.
//
// A Record written through an ObjectWriter must have passed its collection's rules: come
// from CollectionType.Decode, or be checked with ValidateRecord when it is built in Go.
type Record interface {
	// Collection returns the name of the record's collection.
	Collection() string
	// ObjectID returns the record's id; 0 asks the server to assign one.
	ObjectID() int64

	setID(id int64)
	// references lists the objects the record refers to, named by the field that holds
	// each id, so a missing one is reported where the client wrote it.
	references() []reference
	// keys returns the filter keys the store indexes.
	keys() objectKeys
}

// reference is one id a record holds that must name an existing object.
type reference struct {
	field      string // e.g. "person.id", "activityLevels[0].activityDefinition.id"
	collection string
	id         int64
}

// objectKeys are the values of a record that list filters select on (Object's PersonID,
// Date and Kind).
type objectKeys struct {
	personID int64
	date     string
	kind     string
}

// IDRef is a reference to another object by its id: {"id":12}, as in person.id.
type IDRef struct {
	ID int64 `json:"id"`
}

// TranslatedText is a name with translations: {"default":"Lunch","translations":{"nl":"Middagpauze"}}.
// Translations are keyed by language code and always rendered, as {} when there are none,
// so consumers can read them without checking for null.
type TranslatedText struct {
	Default      string            `json:"default"`
	Translations map[string]string `json:"translations"`
}

// The limits every collection's write rules share.
const (
	// MaxTextLength is the longest string field, in characters.
	MaxTextLength = 200
	// MaxTranslations is the most translations one name may have.
	MaxTranslations = 50
	// MaxObjectID is the largest id, and the largest integer field: Protime's ids and
	// counts are 32-bit integers, and integrations that store them as such must not
	// receive larger ones from this stand-in.
	MaxObjectID = 1<<31 - 1
)

// CollectionType holds the rules for the objects of one collection: how a write body is
// decoded and validated, which list filters it accepts, which external references its reads
// may add, and what a delete does. Every rule is plain Go; stores only keep what it decides.
type CollectionType struct {
	// Name is the collection's name, as in URLs and scopes.
	Name string

	newRecord func() Record
	// decode reads every field of a write body except id and the read-only ones.
	decode func(f *Fields) Record
	// prepare applies server-side behaviour before a record is stored: read-only fields
	// and what Protime keeps from the previous version, prev (nil on insert).
	prepare func(r Record, prev Record)

	// filter lists the list filter fields the collection accepts.
	filter []filterField
	// requireDate makes a date range mandatory in list filters, as for clockings.
	requireDate bool

	// referenceFields are the places in the rendered JSON where referenced objects sit,
	// for AddExternalReferences.
	referenceFields []referenceField
	// predefined lists the predefined external references read from the record's fields.
	predefined map[string]func(Record) string

	// checkReference judges, per field, a reference to an existing object beyond its
	// existence, such as an addendum's parent contract; it returns the problem, or "".
	checkReference map[string]func(r, target Record) string
	// softDelete, when set, makes a delete keep the object and mark it deleted; it reports
	// false when the object already was.
	softDelete func(r Record) bool
	// resaveAll makes saving one object re-save every object of the collection, as
	// Protime does for absence groups.
	resaveAll bool
}

// referenceField is an object field holding {"id":N} of a referenced collection; for an
// array field, item names the member of each element that holds it.
type referenceField struct {
	name       string
	collection string
	item       string
}

var collectionTypes = []*CollectionType{
	breakDefinitionType,
	contractType,
	absenceGroupType,
	clockingType,
	personType,
	terminalType,
	activityDefinitionType,
	absenceDefinitionType,
}

// CollectionTypes returns the rules of every collection Shiftwire holds.
func CollectionTypes() []*CollectionType { return slices.Clone(collectionTypes) }

// CollectionTypeByName returns the rules of the collection called name.
func CollectionTypeByName(name string) (*CollectionType, bool) {
	for _, t := range collectionTypes {
		if t.Name == name {
			return t, true
		}
	}
	return nil, false
}

func mustCollectionType(name string) *CollectionType {
	t, ok := CollectionTypeByName(name)
	if !ok {
		panic("shiftwire: no collection type " + name)
	}
	return t
}

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
	r := t.decode(f)
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
	t, ok := CollectionTypeByName(r.Collection())
	if !ok {
		return nil, Invalid("unknown collection name", "unknown collection name "+quote(r.Collection()))
	}
	data, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return t.decodeBody(data, r.ObjectID(), false)
}

// Unmarshal returns the Record a stored object holds.
func (t *CollectionType) Unmarshal(data []byte) (Record, error) {
	r := t.newRecord()
	if err := json.Unmarshal(data, r); err != nil {
		return nil, fmt.Errorf("%s: stored object: %w", t.Name, err)
	}
	return r, nil
}

// Predefined returns the value of the predefined external reference name (such as
// @badge-number) that r's own fields hold, and whether the collection has that reference.
func (t *CollectionType) Predefined(r Record, name string) (string, bool) {
	get, ok := t.predefined[name]
	if !ok {
		return "", false
	}
	return get(r), true
}

// ReadReferences returns the external references reads of the collection may select: those
// its webhook events may carry, and the collection's own predefined and custom references,
// which identify an object in GET /{collection}/{reference} and go in its
// externalReferences. Check a selection with its CheckReferences.
func (t *CollectionType) ReadReferences() Collection {
	own := ReferenceRule{Collection: t.Name, Custom: true}
	for name := range t.predefined {
		own.Predefined = append(own.Predefined, name)
	}
	slices.Sort(own.Predefined)
	c := Collection{Name: t.Name, References: []ReferenceRule{own}}
	if base, ok := CollectionByName(t.Name); ok {
		for _, r := range base.References {
			if r.Collection != t.Name {
				c.References = append(c.References, r)
			}
		}
	}
	return c
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

// readText reads a string of at most MaxTextLength characters; "" when it is missing or
// empty, which is an error when it is required.
func readText(f *Fields, name string, required bool) string {
	s, ok := f.String(name, required)
	if !ok {
		return ""
	}
	if s == "" && required {
		f.Fail(name, "must not be empty")
	}
	if n := utf8.RuneCountInString(s); n > MaxTextLength {
		f.Fail(name, "is %d characters long; at most %d are allowed", n, MaxTextLength)
		return ""
	}
	return s
}

// readInt reads an integer from lo to hi.
func readInt(f *Fields, name string, required bool, lo, hi int64) (int, bool) {
	n, ok := f.Int(name, required)
	if !ok {
		return 0, false
	}
	if n < lo || n > hi {
		f.Fail(name, "must be from %d to %d", lo, hi)
		return 0, false
	}
	return int(n), true
}

// readNumber reads a number from lo to hi.
func readNumber(f *Fields, name string, required bool, lo, hi float64) (float64, bool) {
	x, ok := f.Number(name, required)
	if !ok {
		return 0, false
	}
	if x < lo || x > hi {
		f.Fail(name, "must be from %g to %g", lo, hi)
		return 0, false
	}
	return x, true
}

// readRef reads a reference {"id":N}. The externalReferences a read adds to it are ignored,
// so an object read with external references can be written back unchanged.
func readRef(f *Fields, name string, required bool) *IDRef {
	sub, ok := f.Object(name, required)
	if !ok {
		return nil
	}
	sub.Ignore("externalReferences")
	id, ok := sub.Int("id", true)
	if ok && (id < 1 || id > MaxObjectID) {
		sub.Fail("id", "must be an integer from 1 to %d", MaxObjectID)
		ok = false
	}
	sub.Done()
	if !ok {
		return nil
	}
	return &IDRef{ID: id}
}

// readDate reads a date written YYYY-MM-DD that exists: 2024-02-30 is refused.
func readDate(f *Fields, name string, required bool) string {
	s, ok := f.String(name, required)
	if !ok {
		return ""
	}
	if !ValidDate(s) {
		f.Fail(name, "must be a date written YYYY-MM-DD that exists, such as 2024-02-29; got %s", quote(s))
		return ""
	}
	return s
}

// ValidDate reports whether s is a date written YYYY-MM-DD that exists in a year from 1900
// to 9999. Dates in that form compare as strings in date order, which list filters rely on.
func ValidDate(s string) bool {
	if len(s) != 10 || s < "1900" {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

var languageCode = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z]{2})?$`)

// readTranslated reads a name with translations.
func readTranslated(f *Fields, name string, required bool) (TranslatedText, bool) {
	sub, ok := f.Object(name, required)
	if !ok {
		return TranslatedText{}, false
	}
	t := TranslatedText{Default: readText(sub, "default", true), Translations: map[string]string{}}
	if m, ok := sub.StringMap("translations", false); ok {
		if len(m) > MaxTranslations {
			sub.Fail("translations", "has %d entries; at most %d are allowed", len(m), MaxTranslations)
		}
		langs := make([]string, 0, len(m))
		for lang := range m {
			langs = append(langs, lang)
		}
		slices.Sort(langs)
		for _, lang := range langs {
			text := m[lang]
			switch {
			case !languageCode.MatchString(lang):
				sub.Fail("translations", "%s is not a language code such as nl, fr or nl-BE", quote(lang))
			case text == "":
				sub.Fail("translations."+lang, "must not be empty")
			case utf8.RuneCountInString(text) > MaxTextLength:
				sub.Fail("translations."+lang, "is longer than %d characters", MaxTextLength)
			default:
				t.Translations[lang] = text
			}
		}
	}
	sub.Done()
	return t, true
}

// readEnum reads a string that must be one of values.
func readEnum(f *Fields, name string, required bool, values ...string) (string, bool) {
	s, ok := f.String(name, required)
	if !ok {
		return "", false
	}
	if !slices.Contains(values, s) {
		f.Fail(name, "must be %s; got %s", joinOr(values), quote(s))
		return "", false
	}
	return s, true
}

// readEmail reads an optional e-mail address: a bare address, no display name.
func readEmail(f *Fields, name string) string {
	s := readText(f, name, false)
	if s == "" {
		return ""
	}
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
		f.Fail(name, "must be an e-mail address such as jan.peeters@example.com")
		return ""
	}
	return s
}

// joinOr joins items as an English alternative: "a", "a or b", "a, b or c".
func joinOr(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// presentRefs returns the references of list that are set, dropping optional ones that
// are not.
func presentRefs(list ...reference) []reference {
	out := list[:0]
	for _, r := range list {
		if r.id != 0 {
			out = append(out, r)
		}
	}
	return out
}

func refID(r *IDRef) int64 {
	if r == nil {
		return 0
	}
	return r.ID
}

// filterField is a field a list filter may name.
type filterField string

// The list filter fields.
const (
	filterDate   filterField = "date"
	filterPerson filterField = "person"
	filterKind   filterField = "kind"
)

// Query translates the ?filter= of a list read, s ("" when none was given), into the store
// query, checking it against the fields the collection accepts:
//
//   - date: `date ge 'YYYY-MM-DD' and date le 'YYYY-MM-DD'` or `date eq 'YYYY-MM-DD'`; for
//     clockings a range of at most one year is required.
//   - person: `person eq 12`, `person in (1,2)`.
//   - kind: `kind eq 'InOut'`, `kind in ('Reason','Activity')`.
//
// Conditions on different fields are joined with and; or joins only conditions on the same
// person or kind field, meaning any of their values. Anything else is an EInvalid *Error
// naming the condition at fault.
func (t *CollectionType) Query(s string) (ObjectQuery, error) {
	q := ObjectQuery{Collection: t.Name}
	if strings.Trim(s, " \t") == "" {
		if t.requireDate {
			return q, filterError("the " + t.Name + " collection needs a filter with a date range of at most one year, such as date ge '2024-01-01' and date le '2024-01-31'")
		}
		return q, nil
	}
	if len(t.filter) == 0 {
		return q, filterError("the " + t.Name + " collection accepts no filter")
	}
	f, err := ParseFilter(s)
	if err != nil {
		return q, err
	}
	b := &queryBuilder{t: t, q: &q}
	if err := b.add(f); err != nil {
		return q, err
	}
	return q, b.finish()
}

// queryBuilder collects the conditions of one filter into an ObjectQuery.
type queryBuilder struct {
	t                  *CollectionType
	q                  *ObjectQuery
	person, kind, date bool // whether the field was given
	dateEq             bool
}

func (b *queryBuilder) add(f Filter) error {
	switch f := f.(type) {
	case *FilterAnd:
		for _, c := range f.Conditions {
			if err := b.add(c); err != nil {
				return err
			}
		}
		return nil
	case *FilterOr:
		return b.union(f)
	case *FilterCondition:
		return b.condition(f)
	}
	return filterError("the filter has no condition")
}

// union reads `a eq 1 or a eq 2 or a in (3,4)` as `a in (1,2,3,4)`.
func (b *queryBuilder) union(f *FilterOr) error {
	merged := &FilterCondition{Op: OpIn}
	for _, term := range f.Terms {
		c, ok := term.(*FilterCondition)
		if !ok || (merged.Field != "" && c.Field != merged.Field) {
			return filterError(quote(FormatFilter(f)) + ": or only joins conditions on the same field, such as person eq 1 or person eq 2; join different fields with and")
		}
		if c.Field == string(filterDate) {
			return filterError(quote(FormatFilter(f)) + ": date conditions cannot be joined with or; give one range with date ge and date le")
		}
		if c.Op != OpEq && c.Op != OpIn {
			return filterError(quote(c.String()) + ": or only joins eq and in conditions")
		}
		if c.ListName != "" {
			return b.condition(c) // reports the named list
		}
		merged.Field = c.Field
		merged.Values = append(merged.Values, c.Values...)
	}
	return b.condition(merged)
}

func (b *queryBuilder) condition(c *FilterCondition) error {
	fail := func(format string, args ...any) error {
		return filterError(quote(c.String()) + ": " + fmt.Sprintf(format, args...))
	}
	field := filterField(c.Field)
	if !slices.Contains(b.t.filter, field) {
		names := make([]string, len(b.t.filter))
		for i, f := range b.t.filter {
			names[i] = string(f)
		}
		return fail("unknown field %s; the %s collection accepts %s", quote(c.Field), b.t.Name, joinAnd(names))
	}
	if c.ListName != "" {
		return fail("named lists such as %s(...) are not supported; use a plain list such as (1,2)", c.ListName)
	}
	if len(c.Values) == 0 {
		return fail("%s needs a value", c.Field)
	}
	switch field {
	case filterDate:
		return b.dateCondition(c, fail)
	case filterPerson:
		if c.Op != OpEq && c.Op != OpIn {
			return fail("person supports eq and in, not %s", c.Op)
		}
		if b.person {
			return fail("person is given twice; list the people in one condition, such as person in (1,2)")
		}
		b.person = true
		for _, v := range c.Values {
			if v.Kind != FilterInteger || v.Int < 1 {
				return fail("%s is not a person id; person takes integers such as person eq 12", v)
			}
			if !slices.Contains(b.q.PersonIDs, v.Int) {
				b.q.PersonIDs = append(b.q.PersonIDs, v.Int)
			}
		}
	case filterKind:
		if c.Op != OpEq && c.Op != OpIn {
			return fail("kind supports eq and in, not %s", c.Op)
		}
		if b.kind {
			return fail("kind is given twice; list the kinds in one condition, such as kind in ('InOut','Reason')")
		}
		b.kind = true
		for _, v := range c.Values {
			if v.Kind != FilterString || !slices.Contains(clockingKinds, v.Str) {
				return fail("%s is not a kind; the kinds are %s, quoted", v, joinOr(clockingKinds))
			}
			if !slices.Contains(b.q.Kinds, v.Str) {
				b.q.Kinds = append(b.q.Kinds, v.Str)
			}
		}
	}
	return nil
}

func (b *queryBuilder) dateCondition(c *FilterCondition, fail func(string, ...any) error) error {
	if c.Op == OpIn {
		return fail("date supports eq, ge and le, not in")
	}
	v := c.Values[0]
	if v.Kind != FilterString || !ValidDate(v.Str) {
		return fail("%s is not a date; write dates quoted as YYYY-MM-DD, such as '2024-01-31'", v)
	}
	b.date = true
	switch {
	case b.dateEq || c.Op == OpEq && (b.q.DateFrom != "" || b.q.DateTo != ""):
		return fail("date is given twice; give either date eq or one range with date ge and date le")
	case c.Op == OpEq:
		b.q.DateFrom, b.q.DateTo, b.dateEq = v.Str, v.Str, true
	case c.Op == OpGe && b.q.DateFrom != "", c.Op == OpLe && b.q.DateTo != "":
		return fail("date %s is given twice", c.Op)
	case c.Op == OpGe:
		b.q.DateFrom = v.Str
	case c.Op == OpLe:
		b.q.DateTo = v.Str
	}
	return nil
}

// finish checks the date range as a whole.
func (b *queryBuilder) finish() error {
	from, to := b.q.DateFrom, b.q.DateTo
	if b.t.requireDate && (from == "" || to == "") {
		if !b.date {
			return filterError("the " + b.t.Name + " collection needs a date range of at most one year, such as date ge '2024-01-01' and date le '2024-01-31'")
		}
		return filterError("the date range needs both ends: date ge '...' and date le '...', or date eq '...'")
	}
	if from != "" && to != "" {
		if to < from {
			return filterError(fmt.Sprintf("the date range ends (%s) before it starts (%s)", to, from))
		}
		start, _ := time.Parse(time.DateOnly, from)
		end, _ := time.Parse(time.DateOnly, to)
		if b.t.requireDate && !end.Before(start.AddDate(1, 0, 0)) {
			return filterError(fmt.Sprintf("the date range from %s to %s is longer than one year; the last date may be at most %s", from, to, start.AddDate(1, 0, -1).Format(time.DateOnly)))
		}
	}
	return nil
}

// referencedCollections are the collections other objects refer to. An ObjectWriter keeps
// the objects of these it has seen, so a bulk load of clockings looks each person up once.
var referencedCollections = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range collectionTypes {
		for _, f := range t.referenceFields {
			m[f.collection] = true
		}
	}
	return m
}()

// WriteSummary counts the change-log entries one write transaction appended.
type WriteSummary struct {
	Changes int
	First   ChangeVersion // 0 when there were none
	Last    ChangeVersion
}

func (s *WriteSummary) add(v ChangeVersion) {
	if s.Changes == 0 {
		s.First = v
	}
	s.Changes++
	s.Last = v
}

// ObjectWriter applies writes of objects inside one Store.Write transaction with the rules of
// their collections: references must name existing objects, Protime's behaviours are kept (a
// clocking's original time, deleted clockings kept as Deleted, absence groups re-saved
// together), and every write appends to the change log through the transaction. Use
// WriteObjects, or call Finish before the transaction commits.
//
// A failed Insert, Put or Delete has written nothing, so the caller may report it and go on
// checking later writes; the transaction must then be rolled back.
type ObjectWriter struct {
	tx      WriteTx
	known   map[objectKey]*Object     // objects of referenced collections; nil when missing
	written map[string]map[int64]bool // per collection with resaveAll, the ids saved
	summary WriteSummary
}

type objectKey struct {
	collection string
	id         int64
}

// NewObjectWriter returns an ObjectWriter on tx.
func NewObjectWriter(tx WriteTx) *ObjectWriter {
	return &ObjectWriter{tx: tx, known: map[objectKey]*Object{}, written: map[string]map[int64]bool{}}
}

// WriteObjects runs fn with an ObjectWriter in one write transaction of tenantID, finishes
// it and commits. When fn or Finish fails, nothing is written.
func WriteObjects(ctx context.Context, s Store, tenantID int64, fn func(*ObjectWriter) error) (WriteSummary, error) {
	var sum WriteSummary
	err := s.Write(ctx, tenantID, func(tx WriteTx) error {
		w := NewObjectWriter(tx)
		if err := fn(w); err != nil {
			return err
		}
		if err := w.Finish(ctx); err != nil {
			return err
		}
		sum = w.summary
		return nil
	})
	if err != nil {
		return WriteSummary{}, err
	}
	return sum, nil
}

// Summary returns the changes written so far.
func (w *ObjectWriter) Summary() WriteSummary { return w.summary }

// Insert stores a new object, as POST does: an id r already has must be free (EConflict
// otherwise); without one, the next free id is assigned to r.
func (w *ObjectWriter) Insert(ctx context.Context, r Record) (*Object, error) {
	o, _, err := w.save(ctx, r, true)
	return o, err
}

// Put stores r, replacing the object with its id or creating it, as PUT and the lines of
// POST /changes do; without an id, the next free id is assigned to r. created reports
// whether there was no object before.
func (w *ObjectWriter) Put(ctx context.Context, r Record) (o *Object, created bool, err error) {
	return w.save(ctx, r, false)
}

func (w *ObjectWriter) save(ctx context.Context, r Record, insert bool) (*Object, bool, error) {
	t, ok := CollectionTypeByName(r.Collection())
	if !ok {
		return nil, false, Invalid("unknown collection name", "unknown collection name "+quote(r.Collection()))
	}
	var prev *Object
	if id := r.ObjectID(); id == 0 {
		id, err := w.tx.NextID(ctx, t.Name)
		if err != nil {
			return nil, false, err
		}
		if id > MaxObjectID {
			return nil, false, Errorf(EConflict, "%s has no free id above the highest one; give the id", t.Name)
		}
		r.setID(id)
	} else {
		var err error
		if prev, err = w.lookup(ctx, t.Name, id); err != nil {
			return nil, false, err
		}
		if insert && prev != nil {
			return nil, false, Errorf(EConflict, "%s %d already exists; use PUT to replace it", t.Name, id)
		}
	}
	if err := w.checkReferences(ctx, t, r); err != nil {
		return nil, false, err
	}
	if t.prepare != nil {
		var before Record
		if prev != nil {
			var err error
			if before, err = t.Unmarshal(prev.Data); err != nil {
				return nil, false, err
			}
		}
		t.prepare(r, before)
	}
	o, err := w.put(ctx, r)
	if err != nil {
		return nil, false, err
	}
	if t.resaveAll {
		if w.written[t.Name] == nil {
			w.written[t.Name] = map[int64]bool{}
		}
		w.written[t.Name][o.ID] = true
	}
	return o, prev == nil, nil
}

// lookup returns the object, nil when there is none, remembering objects of referenced
// collections.
func (w *ObjectWriter) lookup(ctx context.Context, collection string, id int64) (*Object, error) {
	k := objectKey{collection, id}
	if o, ok := w.known[k]; ok {
		return o, nil
	}
	o, err := w.tx.Object(ctx, collection, id)
	if ErrorCodeOf(err) == ENotFound {
		o, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	if referencedCollections[collection] {
		w.known[k] = o
	}
	return o, nil
}

// checkReferences reports every reference of r to a missing object, or to one its
// collection's rules refuse, as ValidationErrors naming the field.
func (w *ObjectWriter) checkReferences(ctx context.Context, t *CollectionType, r Record) error {
	var errs ValidationErrors
	for _, ref := range r.references() {
		target, err := w.lookup(ctx, ref.collection, ref.id)
		if err != nil {
			return err
		}
		if target == nil {
			errs.Add(ref.field, "refers to %s %d, which does not exist", ref.collection, ref.id)
			continue
		}
		if check := t.checkReference[ref.field]; check != nil {
			rec, err := mustCollectionType(ref.collection).Unmarshal(target.Data)
			if err != nil {
				return err
			}
			if problem := check(r, rec); problem != "" {
				errs.Add(ref.field, "%s", problem)
			}
		}
	}
	return errs.Err()
}

// put stores r as it is and logs the change.
func (w *ObjectWriter) put(ctx context.Context, r Record) (*Object, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	k := r.keys()
	o := &Object{Collection: r.Collection(), ID: r.ObjectID(), Data: data, PersonID: k.personID, Date: k.date, Kind: k.kind}
	if err := w.tx.Put(ctx, o); err != nil {
		return nil, err
	}
	w.summary.add(o.Version)
	if referencedCollections[o.Collection] {
		w.known[objectKey{o.Collection, o.ID}] = o
	}
	return o, nil
}

// Delete deletes an object: ENotFound when there is none. A clocking is kept with status
// Deleted, an InsertOrUpdate change, as Protime does; deleting it again changes nothing.
// Other objects are removed, a Delete change. Objects that still refer to a removed one
// keep their reference: Protime's own data outlives the definitions it was made with, and
// consumers must cope with that anyway.
func (w *ObjectWriter) Delete(ctx context.Context, collection string, id int64) error {
	t, ok := CollectionTypeByName(collection)
	if !ok {
		return Invalid("unknown collection name", "unknown collection name "+quote(collection))
	}
	if t.softDelete != nil {
		prev, err := w.tx.Object(ctx, collection, id)
		if err != nil {
			return err
		}
		r, err := t.Unmarshal(prev.Data)
		if err != nil {
			return err
		}
		if !t.softDelete(r) {
			return nil
		}
		_, err = w.put(ctx, r)
		return err
	}
	v, err := w.tx.Delete(ctx, collection, id)
	if err != nil {
		return err
	}
	w.summary.add(v)
	if referencedCollections[collection] {
		w.known[objectKey{collection, id}] = nil
	}
	return nil
}

// Finish completes the transaction's writes: when an absence group was saved, every other
// absence group of the tenant is saved again, once, in id order, so each gets a change with
// a new changeVersion, as Protime's "saving one absence group saves them all".
func (w *ObjectWriter) Finish(ctx context.Context) error {
	for _, t := range collectionTypes {
		written := w.written[t.Name]
		if !t.resaveAll || len(written) == 0 {
			continue
		}
		all, err := w.tx.All(ctx, t.Name)
		if err != nil {
			return err
		}
		for _, o := range all {
			if written[o.ID] {
				continue
			}
			if err := w.tx.Put(ctx, o); err != nil {
				return err
			}
			w.summary.add(o.Version)
			written[o.ID] = true
		}
	}
	return nil
}

// ChangeLine is one line of a POST /changes body, decoded and checked on its own:
// {"collection":"clockings","changeType":"InsertOrUpdate","data":{...}}.
type ChangeLine struct {
	// Line is the line's number, from 1: the line of an NDJSON body, the element of an array.
	Line       int
	Collection string
	Type       ChangeType
	Record     Record // the object to save, for InsertOrUpdate
	ID         int64  // the object to delete, for Delete
}

// The limits of a POST /changes body, besides its size.
const (
	// MaxChangeLines is the most lines one request may hold.
	MaxChangeLines = 1_000_000
	// MaxChangeLineBytes is the longest line of an NDJSON body: what one object's own
	// write request may send.
	MaxChangeLineBytes = 1 << 20
	// maxBulkProblems is the most problems one answer lists; a body with more is cut short
	// there, since the first hundred tell what is wrong.
	maxBulkProblems = 100
)

// ReadChanges reads the body of POST /changes: a JSON array of change lines, or NDJSON, one
// change line per line (blank lines are skipped). A body whose first character other than
// white space is '[' is an array. The body is decoded as a stream, one line at a time, and
// every line is checked with its collection's rules except references to other objects,
// which need the store (ApplyChanges checks them).
//
// Problems are ValidationErrors whose fields name the line, "line 7: person.id", at most
// 100 of them; broken JSON ends the reading at the line it is on. An error reading r is
// returned as it is.
//
// mayWrite, when not nil, says whether the caller may write a collection. The first line
// whose collection it refuses ends the reading there, without reading the rest of r: the
// answer is then the problems of the lines up to that one, if any, or else mayWrite's error.
func ReadChanges(r io.Reader, mayWrite func(collection string) error) ([]ChangeLine, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if err := skipSpaceAndBOM(br); err == io.EOF {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	cr := newChangeReader()
	cr.mayWrite = mayWrite
	var err error
	if first, _ := br.Peek(1); len(first) == 1 && first[0] == '[' {
		err = cr.readArray(br)
	} else {
		err = cr.readNDJSON(br)
	}
	lines, problems := cr.finish()
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, problems
	}
	if cr.denied != nil {
		return nil, cr.denied
	}
	return lines, nil
}

func skipSpaceAndBOM(br *bufio.Reader) error {
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	for {
		b, err := br.ReadByte()
		if err != nil {
			return err
		}
		if !isJSONSpace(b) {
			return br.UnreadByte()
		}
	}
}

func isJSONSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// changeReader collects the lines of one body. It decodes them on every processor while
// it reads on: lines are independent, and decoding them is most of the work of reading a
// bulk load.
type changeReader struct {
	jobs     chan *changeChunk
	workers  sync.WaitGroup
	chunks   []*changeChunk // in the body's order
	cur      *changeChunk
	problems ValidationErrors // the reader's own, which end the reading, so come last

	mayWrite func(collection string) error
	allowed  []string // the collections mayWrite allowed
	denied   error    // what mayWrite answered for the line that ended the reading
}

// changeChunk is a run of lines decoded together.
type changeChunk struct {
	nums     []int
	raws     [][]byte
	lines    []ChangeLine
	problems ValidationErrors
}

const changeChunkLines = 256

func newChangeReader() *changeReader {
	n := runtime.GOMAXPROCS(0)
	cr := &changeReader{jobs: make(chan *changeChunk, 2*n)}
	for range n {
		cr.workers.Add(1)
		go func() {
			defer cr.workers.Done()
			for c := range cr.jobs {
				c.decode()
			}
		}()
	}
	return cr
}

func (c *changeChunk) decode() {
	c.lines = make([]ChangeLine, 0, len(c.raws))
	for i, raw := range c.raws {
		line, errs := decodeChangeLine(raw)
		for _, e := range errs {
			if len(c.problems) < maxBulkProblems {
				c.problems = append(c.problems, ValidationError{Field: lineField(c.nums[i], e.Field), Message: e.Message})
			}
		}
		if len(errs) == 0 {
			line.Line = c.nums[i]
			c.lines = append(c.lines, line)
		}
	}
	c.raws = nil
}

// finish waits for the decoding and returns the lines, or the problems, at most 100.
func (cr *changeReader) finish() ([]ChangeLine, ValidationErrors) {
	cr.flush()
	close(cr.jobs)
	cr.workers.Wait()
	var problems ValidationErrors
	n := 0
	for _, c := range cr.chunks {
		problems = append(problems, c.problems...)
		n += len(c.lines)
	}
	problems = append(problems, cr.problems...)
	if len(problems) > 0 {
		if len(problems) > maxBulkProblems {
			problems = problems[:maxBulkProblems]
		}
		return nil, problems
	}
	lines := make([]ChangeLine, 0, n)
	for _, c := range cr.chunks {
		lines = append(lines, c.lines...)
	}
	return lines, nil
}

func (cr *changeReader) flush() {
	if cr.cur != nil {
		cr.chunks = append(cr.chunks, cr.cur)
		cr.jobs <- cr.cur
		cr.cur = nil
	}
}

func (cr *changeReader) problem(line int, field, format string, args ...any) {
	cr.problems = append(cr.problems, ValidationError{Field: lineField(line, field), Message: fmt.Sprintf(format, args...)})
}

func lineField(line int, field string) string {
	if field == "" {
		return "line " + itoa(line)
	}
	return "line " + itoa(line) + ": " + field
}

// add queues line n, whose bytes it keeps, for decoding; it reports false when the body has
// too many lines to go on.
func (cr *changeReader) add(n int, data []byte) bool {
	if n > MaxChangeLines {
		cr.problem(n, "", "a request may hold at most %d changes; split the load into several requests", MaxChangeLines)
		return false
	}
	if !cr.permitted(n, data) {
		return false
	}
	if cr.cur == nil {
		cr.cur = &changeChunk{nums: make([]int, 0, changeChunkLines), raws: make([][]byte, 0, changeChunkLines)}
	}
	cr.cur.nums = append(cr.cur.nums, n)
	cr.cur.raws = append(cr.cur.raws, data)
	if len(cr.cur.nums) == changeChunkLines {
		cr.flush()
	}
	return true
}

// permitted reports whether the caller may write the collection of line n. A line it may
// not write ends the reading; the line is decoded at once, so that its own problems come
// before the missing scope, as every other line's do.
func (cr *changeReader) permitted(n int, data []byte) bool {
	if cr.mayWrite == nil {
		return true
	}
	name, ok := lineCollection(data)
	if !ok || slices.Contains(cr.allowed, name) {
		return true
	}
	if _, known := CollectionTypeByName(name); !known {
		return true // the decoding says it is unknown
	}
	if err := cr.mayWrite(name); err != nil {
		_, errs := decodeChangeLine(data)
		for _, e := range errs {
			cr.problems = append(cr.problems, ValidationError{Field: lineField(n, e.Field), Message: e.Message})
		}
		cr.denied = err
		return false
	}
	cr.allowed = append(cr.allowed, name)
	return true
}

// lineCollection returns the "collection" member of a change line without decoding the
// line: it skips the members before it, usually none. ok is false when the line does not
// read as an object with a string there; the decoding then says what is wrong.
func lineCollection(data []byte) (name string, ok bool) {
	i := skipJSONSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return "", false
	}
	for i++; ; i++ {
		i = skipJSONSpace(data, i)
		if i >= len(data) || data[i] != '"' {
			return "", false
		}
		end, esc, _ := scanJSONString(data, i)
		key, ok := jsonString(data[i:end], esc)
		if !ok {
			return "", false
		}
		i = skipJSONSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return "", false
		}
		i = skipJSONSpace(data, i+1)
		if key == "collection" {
			if i >= len(data) || data[i] != '"' {
				return "", false
			}
			end, esc, _ := scanJSONString(data, i)
			return jsonString(data[i:end], esc)
		}
		i = skipJSONSpace(data, skipJSONValue(data, i))
		if i >= len(data) || data[i] != ',' {
			return "", false
		}
	}
}

// jsonString decodes the quoted JSON string s, which holds escapes when esc is set.
func jsonString(s []byte, esc bool) (string, bool) {
	if len(s) < 2 || s[len(s)-1] != '"' {
		return "", false
	}
	if !esc {
		return string(s[1 : len(s)-1]), true
	}
	var v string
	if json.Unmarshal(s, &v) != nil {
		return "", false
	}
	return v, true
}

func skipJSONSpace(data []byte, i int) int {
	for i < len(data) && isJSONSpace(data[i]) {
		i++
	}
	return i
}

// skipJSONValue returns the offset just past the value starting at data[i], or where it
// stops making sense.
func skipJSONValue(data []byte, i int) int {
	depth := 0
	for i < len(data) {
		switch data[i] {
		case '"':
			i, _, _ = scanJSONString(data, i)
			if depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return i
}

func (cr *changeReader) readNDJSON(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxChangeLineBytes+2)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if !cr.add(n, bytes.Clone(line)) {
			return nil
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		cr.problem(n+1, "", "is longer than %d bytes", MaxChangeLineBytes)
	} else if err != nil {
		return err
	}
	return nil
}

func (cr *changeReader) readArray(r io.Reader) error {
	dec := json.NewDecoder(r)
	if _, err := dec.Token(); err != nil { // the '['
		return err
	}
	n := 0
	for dec.More() {
		n++
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return cr.brokenJSON(n, err)
		}
		if !cr.add(n, raw) {
			return nil
		}
	}
	if _, err := dec.Token(); err != nil { // the ']'
		return cr.brokenJSON(n+1, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil || isJSONSyntaxError(err) {
			cr.problem(n+1, "", "the body continues after the array ends")
			return nil
		}
		return err
	}
	return nil
}

// brokenJSON records that the array is not valid JSON at line n, or returns err when it is
// a failure to read the body.
func (cr *changeReader) brokenJSON(n int, err error) error {
	if !isJSONSyntaxError(err) {
		return err
	}
	msg := err.Error()
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		msg = fmt.Sprintf("%s (at byte %d of the body)", se.Error(), se.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		msg = "the body ends before the array is closed"
	}
	cr.problem(n, "", "is not valid JSON: %s; reading stopped here", msg)
	return nil
}

func isJSONSyntaxError(err error) bool {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	return errors.As(err, &se) || errors.As(err, &te) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

var changeTypes = []string{string(InsertOrUpdate), string(Delete)}

// decodeChangeLine decodes one change line; its problems are named as in the line, with
// the fields of data named as in the object ("person.id").
func decodeChangeLine(data []byte) (ChangeLine, ValidationErrors) {
	if p, ok := strictJSON(data); !ok {
		p.Field = strings.TrimPrefix(p.Field, "data.")
		return ChangeLine{}, ValidationErrors{p}
	}
	f, errs := parseFields(data)
	if errs != nil {
		return ChangeLine{}, ValidationErrors{{Message: `must be a JSON object: {"collection":"...","changeType":"InsertOrUpdate","data":{...}}`}}
	}
	name, okName := f.String("collection", true)
	typ, okType := readEnum(f, "changeType", true, changeTypes...)
	raw, okData := f.raw("data", true)
	var t *CollectionType
	if okName {
		if t, okName = CollectionTypeByName(name); !okName {
			f.Fail("collection", "unknown collection name %s", quote(name))
		}
	}
	if err := f.Done(); err != nil || !okName || !okType || !okData {
		return ChangeLine{}, f.Errs()
	}
	line := ChangeLine{Collection: t.Name, Type: ChangeType(typ)}
	if line.Type == Delete {
		d, errs := parseFields(raw)
		if errs != nil {
			return ChangeLine{}, ValidationErrors{{Field: "data", Message: "must be an object holding the id to delete"}}
		}
		d.Ignore("changeVersion")
		id, ok := d.Int("id", true)
		if ok && (id < 1 || id > MaxObjectID) {
			d.Fail("id", "must be an integer from 1 to %d", MaxObjectID)
		}
		if err := d.Done(); err != nil {
			return ChangeLine{}, d.Errs()
		}
		line.ID = id
		return line, nil
	}
	d, errs := parseFields(raw)
	if errs != nil {
		return ChangeLine{}, ValidationErrors{{Field: "data", Message: "must be an object"}}
	}
	rec, err := t.decodeFields(d, 0, true)
	if err != nil {
		var verrs ValidationErrors
		if errors.As(err, &verrs) {
			for i := range verrs {
				if verrs[i].Field == "" {
					verrs[i] = ValidationError{Field: "data", Message: "must be an object"}
				}
			}
			return ChangeLine{}, verrs
		}
		return ChangeLine{}, ValidationErrors{{Field: "data", Message: err.Error()}}
	}
	line.Record = rec
	return line, nil
}

// RequireAnyWriteScope returns an insufficient_scope AuthError unless p holds the write
// scope of at least one collection. POST /changes checks it before reading its body: a
// caller that may write nothing has nothing to send, and no reason to make the server read
// up to 64 MiB first. The error's scope lists the collections' write scopes.
func RequireAnyWriteScope(p *Principal) error {
	scopes := make([]string, len(collectionTypes))
	for i, t := range collectionTypes {
		scopes[i] = WriteScope(t.Name)
		if p.HasScope(scopes[i]) {
			return nil
		}
	}
	return &AuthError{Reason: AuthInsufficientScope, Scope: strings.Join(scopes, " "),
		Description: "the access token holds no collection's write scope; each line of a bulk request needs the write scope of its collection"}
}

// ChangeCollections returns the collections lines write, sorted: a caller needs the write
// scope of each.
func ChangeCollections(lines []ChangeLine) []string {
	var names []string
	for _, l := range lines {
		if !slices.Contains(names, l.Collection) {
			names = append(names, l.Collection)
		}
	}
	slices.Sort(names)
	return names
}

// ApplyChanges writes lines in order in one transaction of tenantID: all of them or, when
// any fails, none. A line that refers to a missing object, or deletes one, fails with
// ValidationErrors naming it ("line 7: person.id"); the lines after it are still checked, so
// one answer lists up to 100 problems. Absence groups saved by any line are re-saved
// together at the end, once.
func ApplyChanges(ctx context.Context, s Store, tenantID int64, lines []ChangeLine) (WriteSummary, error) {
	return WriteObjects(ctx, s, tenantID, func(w *ObjectWriter) error {
		var problems ValidationErrors
		for i := range lines {
			l := &lines[i]
			var err error
			if l.Type == Delete {
				err = w.Delete(ctx, l.Collection, l.ID)
			} else {
				_, _, err = w.Put(ctx, l.Record)
			}
			if err == nil {
				continue
			}
			var verrs ValidationErrors
			var e *Error
			switch {
			case errors.As(err, &verrs):
				for _, v := range verrs {
					problems = append(problems, ValidationError{Field: lineField(l.Line, v.Field), Message: v.Message})
				}
			case errors.As(err, &e) && l.Type == Delete:
				problems = append(problems, ValidationError{Field: lineField(l.Line, "id"), Message: e.Error()})
			case errors.As(err, &e):
				problems = append(problems, ValidationError{Field: lineField(l.Line, ""), Message: e.Error()})
			default:
				return err
			}
			if len(problems) >= maxBulkProblems {
				break
			}
		}
		return problems.Err()
	})
}

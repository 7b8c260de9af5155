package shiftwire

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
)

// Fields reads a JSON object one field at a time and collects every problem it finds, so a
// bad request body is answered with all its problems at once, as Protime's validationErrors.
// Each getter marks its field as seen; Done reports the fields no getter asked for.
type Fields struct {
	fields map[string]json.RawMessage
	prefix string // the dotted path of this object, e.g. "person."
	errs   *ValidationErrors
	seen   map[string]bool
}

// ParseFields starts reading data, which must be one JSON object, strict as
// CheckStrictJSON says: a duplicate key or invalid UTF-8 anywhere in it is its one problem.
func ParseFields(data []byte) (*Fields, ValidationErrors) {
	if p, ok := strictJSON(data); !ok {
		return nil, ValidationErrors{p}
	}
	return parseFields(data)
}

// parseFields is ParseFields for data already checked with strictJSON.
func parseFields(data []byte) (*Fields, ValidationErrors) {
	var errs ValidationErrors
	f := &Fields{errs: &errs}
	if !f.parse(data, "") {
		return nil, errs
	}
	return f, nil
}

func (f *Fields) parse(data []byte, field string) bool {
	if field == "" {
		m, problem := decodeBodyObject(data)
		if problem != "" {
			f.errs.Add("", "%s", problem)
			return false
		}
		f.fields = m
		f.seen = make(map[string]bool, len(m))
		return true
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]json.RawMessage
	if err := dec.Decode(&m); err != nil || dec.More() || m == nil {
		f.errs.Add(field, "must be an object")
		return false
	}
	f.fields = m
	f.seen = make(map[string]bool, len(m))
	return true
}

// Errs returns every problem found so far, in this object and the objects read through it.
func (f *Fields) Errs() ValidationErrors { return *f.errs }

// Fail records a problem with the field name of this object.
func (f *Fields) Fail(name, format string, args ...any) { f.errs.Add(f.prefix+name, format, args...) }

// Has reports whether the object holds name with a value other than null.
func (f *Fields) Has(name string) bool {
	raw, ok := f.fields[name]
	return ok && !isNull(raw)
}

// Ignore marks name as seen without reading it: a read-only field in a write body.
func (f *Fields) Ignore(names ...string) {
	for _, n := range names {
		f.seen[n] = true
	}
}

// raw returns the value of name, recording "is required" when it is missing and required.
func (f *Fields) raw(name string, required bool) (json.RawMessage, bool) {
	f.seen[name] = true
	raw, ok := f.fields[name]
	if !ok || isNull(raw) {
		if required {
			f.Fail(name, "is required")
		}
		return nil, false
	}
	return raw, true
}

// String returns the string field name; ok is false when it is missing or not a string.
func (f *Fields) String(name string, required bool) (s string, ok bool) {
	raw, ok := f.raw(name, required)
	if !ok {
		return "", false
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		f.Fail(name, "must be a string")
		return "", false
	}
	return s, true
}

// Int returns the integer field name.
func (f *Fields) Int(name string, required bool) (n int64, ok bool) {
	raw, ok := f.raw(name, required)
	if !ok {
		return 0, false
	}
	var num json.Number
	if raw[0] == '"' || json.Unmarshal(raw, &num) != nil {
		f.Fail(name, "must be an integer")
		return 0, false
	}
	n, err := num.Int64()
	if err != nil {
		f.Fail(name, "must be an integer")
		return 0, false
	}
	return n, true
}

// Number returns the numeric field name.
func (f *Fields) Number(name string, required bool) (x float64, ok bool) {
	raw, ok := f.raw(name, required)
	if !ok {
		return 0, false
	}
	var num json.Number
	if raw[0] == '"' || json.Unmarshal(raw, &num) != nil {
		f.Fail(name, "must be a number")
		return 0, false
	}
	x, err := num.Float64()
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		f.Fail(name, "must be a number")
		return 0, false
	}
	return x, true
}

// Bool returns the boolean field name.
func (f *Fields) Bool(name string, required bool) (b bool, ok bool) {
	raw, ok := f.raw(name, required)
	if !ok {
		return false, false
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		f.Fail(name, "must be true or false")
		return false, false
	}
	return b, true
}

// Object returns a reader for the nested object name, whose problems are named with the
// dotted path (e.g. "person.id").
func (f *Fields) Object(name string, required bool) (*Fields, bool) {
	raw, ok := f.raw(name, required)
	if !ok {
		return nil, false
	}
	sub := &Fields{errs: f.errs, prefix: f.prefix + name + "."}
	if !sub.parse(raw, f.prefix+name) {
		return nil, false
	}
	return sub, true
}

// Array returns the elements of the array field name.
func (f *Fields) Array(name string, required bool) ([]json.RawMessage, bool) {
	raw, ok := f.raw(name, required)
	if !ok {
		return nil, false
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		f.Fail(name, "must be an array")
		return nil, false
	}
	return items, true
}

// Element returns a reader for item, the object at index i of the array field name.
func (f *Fields) Element(name string, i int, item json.RawMessage) (*Fields, bool) {
	path := f.prefix + name + "[" + itoa(i) + "]"
	sub := &Fields{errs: f.errs, prefix: path + "."}
	if !sub.parse(item, path) {
		return nil, false
	}
	return sub, true
}

// StringMap returns the object field name whose values are all strings, such as the
// translations of a name.
func (f *Fields) StringMap(name string, required bool) (map[string]string, bool) {
	raw, ok := f.raw(name, required)
	if !ok {
		return nil, false
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		f.Fail(name, "must be an object of strings")
		return nil, false
	}
	return m, true
}

// Done records an "unknown field" problem for every field no getter asked for, and returns
// all problems found, or nil.
func (f *Fields) Done() error {
	var unknown []string
	for name := range f.fields {
		if !f.seen[name] {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		f.Fail(name, "is not a known field")
	}
	return f.errs.Err()
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for ; i > 0; i /= 10 {
		n--
		b[n] = byte('0' + i%10)
	}
	return string(b[n:])
}

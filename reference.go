package shiftwire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// AddExternalReferences adds the external references refs selects to objects, rendered
// objects of collection (with or without their changeVersion), and returns them; objects
// that refer to nothing selected are returned as they are.
//
// Each referenced object gains an externalReferences member after its id:
// "person":{"id":12,"externalReferences":{"@badge-number":"6767676","HRMID":"A-1"}}. For
// clockings these are person, terminal, reason (absence-definitions) and
// activityLevels[].activityDefinition; for contracts person and parentContract. References
// on the object's own collection, such as (contracts,HRCODE), go in a top-level
// externalReferences member. Predefined values come from the referenced object's own fields
// (@badge-number is the person's badgeNumber), custom ones from the source's custom
// references. An empty value, or a referenced object that does not exist, leaves the name
// out; the externalReferences member is there whenever its collection was selected.
//
// Events are rendered with this function when they are sent, so it works on the whole batch
// at once: one lookup per referenced collection and kind of reference, and each object is
// copied once with the additions spliced in, without decoding it into a map.
//
// refs is not checked here; reads and webhooks check it with Collection.CheckReferences.
func AddExternalReferences(ctx context.Context, src ReferenceSource, tenantID int64, collection string, refs ExternalReferences, objects []json.RawMessage) ([]json.RawMessage, error) {
	t, ok := CollectionTypeByName(collection)
	if !ok {
		return nil, Invalid("unknown collection name", "unknown collection name "+quote(collection))
	}
	if len(refs) == 0 || len(objects) == 0 {
		return objects, nil
	}
	var fields []referenceField
	for _, f := range t.referenceFields {
		if len(refs.For(f.collection)) > 0 {
			fields = append(fields, f)
		}
	}
	own := len(refs.For(t.Name)) > 0
	if len(fields) == 0 && !own {
		return objects, nil
	}

	sites := make([][]refSite, len(objects))
	ids := map[string][]int64{}
	seen := map[objectKey]bool{}
	for i, obj := range objects {
		s, err := findRefSites(obj, fields, own, t.Name)
		if err != nil {
			return nil, fmt.Errorf("%s object %d: %w", collection, i, err)
		}
		sites[i] = s
		for _, site := range s {
			k := objectKey{site.collection, site.id}
			if !seen[k] {
				seen[k] = true
				ids[site.collection] = append(ids[site.collection], site.id)
			}
		}
	}

	rendered := make(map[objectKey][]byte, len(seen))
	for coll, list := range ids {
		if err := renderReferences(ctx, src, tenantID, coll, refs.For(coll), list, rendered); err != nil {
			return nil, err
		}
	}

	out := make([]json.RawMessage, len(objects))
	for i, obj := range objects {
		if len(sites[i]) == 0 {
			out[i] = obj
			continue
		}
		size := len(obj)
		for _, s := range sites[i] {
			size += 1 + len(rendered[objectKey{s.collection, s.id}])
		}
		b := make([]byte, 0, size)
		prev := 0
		for _, s := range sites[i] {
			b = append(b, obj[prev:s.pos]...)
			if !s.empty {
				b = append(b, ',')
			}
			b = append(b, rendered[objectKey{s.collection, s.id}]...)
			prev = s.pos
		}
		out[i] = append(b, obj[prev:]...)
	}
	return out, nil
}

// renderReferences renders, for every id of collection, the member
// "externalReferences":{...} with the values of names, into out.
func renderReferences(ctx context.Context, src ReferenceSource, tenantID int64, collection string, names []string, ids []int64, out map[objectKey][]byte) error {
	var predefined, custom bool
	for _, n := range names {
		if strings.HasPrefix(n, "@") {
			predefined = true
		} else {
			custom = true
		}
	}
	var records map[int64]Record
	t, known := CollectionTypeByName(collection)
	if predefined && known {
		objs, err := src.Objects(ctx, tenantID, collection, ids)
		if err != nil {
			return err
		}
		records = make(map[int64]Record, len(objs))
		for _, o := range objs {
			r, err := t.Unmarshal(o.Data)
			if err != nil {
				return err
			}
			records[o.ID] = r
		}
	}
	var customs map[int64]map[string]string
	if custom {
		var err error
		if customs, err = src.CustomReferences(ctx, tenantID, collection, ids); err != nil {
			return err
		}
	}
	for _, id := range ids {
		b := []byte(`"externalReferences":{`)
		first := true
		for _, n := range names {
			var v string
			if strings.HasPrefix(n, "@") {
				if r := records[id]; r != nil {
					v, _ = t.Predefined(r, n)
				}
			} else {
				v = customs[id][n]
			}
			if v == "" {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendJSONString(b, n)
			b = append(b, ':')
			b = appendJSONString(b, v)
		}
		out[objectKey{collection, id}] = append(b, '}')
	}
	return nil
}

// refSite is a place in a rendered object where external references go: before the closing
// brace at pos of the object of collection with id.
type refSite struct {
	pos        int
	collection string
	id         int64
	empty      bool // the object has no members, so no comma goes before the addition
}

// findRefSites scans one rendered object for the referenced objects of fields and, when own
// is set, the object itself, in the order they close.
func findRefSites(obj []byte, fields []referenceField, own bool, collection string) ([]refSite, error) {
	s := &jsonScan{b: obj}
	var sites []refSite
	var ownID int64
	end, empty, err := s.object(func(key []byte) error {
		if string(key) == "id" {
			if id, ok := s.integer(); ok {
				ownID = id
				return nil
			}
			return s.skip()
		}
		for _, f := range fields {
			if string(key) != f.name {
				continue
			}
			if f.item == "" {
				return s.refObject(f.collection, &sites)
			}
			return s.array(func() error {
				if !s.at('{') {
					return s.skip()
				}
				_, _, err := s.object(func(key []byte) error {
					if string(key) == f.item {
						return s.refObject(f.collection, &sites)
					}
					return s.skip()
				})
				return err
			})
		}
		return s.skip()
	})
	if err != nil {
		return nil, err
	}
	if s.ws(); s.i != len(obj) {
		return nil, errNotObject
	}
	if own && ownID != 0 {
		sites = append(sites, refSite{pos: end, collection: collection, id: ownID, empty: empty})
	}
	return sites, nil
}

var errNotObject = errors.New("not a JSON object")

// jsonScan walks JSON that encoding/json wrote, finding positions without decoding values.
// It checks structure only as far as it needs to stay in bounds.
type jsonScan struct {
	b []byte
	i int
}

func (s *jsonScan) ws() {
	for s.i < len(s.b) && isJSONSpace(s.b[s.i]) {
		s.i++
	}
}

// at reports whether the next value starts with c.
func (s *jsonScan) at(c byte) bool {
	s.ws()
	return s.i < len(s.b) && s.b[s.i] == c
}

// object reads an object, calling member with each key with the scanner at the value,
// which member must consume. It returns the position of the closing brace.
func (s *jsonScan) object(member func(key []byte) error) (end int, empty bool, err error) {
	if !s.at('{') {
		return 0, false, errNotObject
	}
	s.i++
	empty = true
	for {
		s.ws()
		if s.i >= len(s.b) {
			return 0, false, errNotObject
		}
		if s.b[s.i] == '}' {
			end = s.i
			s.i++
			return end, empty, nil
		}
		if !empty {
			if s.b[s.i] != ',' {
				return 0, false, errNotObject
			}
			s.i++
			s.ws()
		}
		empty = false
		start := s.i
		if !s.skipString() {
			return 0, false, errNotObject
		}
		key := s.b[start+1 : s.i-1]
		if s.ws(); s.i >= len(s.b) || s.b[s.i] != ':' {
			return 0, false, errNotObject
		}
		s.i++
		s.ws()
		if err := member(key); err != nil {
			return 0, false, err
		}
	}
}

// array reads an array, calling item with the scanner at each element.
func (s *jsonScan) array(item func() error) error {
	if !s.at('[') {
		return s.skip()
	}
	s.i++
	for n := 0; ; n++ {
		s.ws()
		if s.i >= len(s.b) {
			return errNotObject
		}
		if s.b[s.i] == ']' {
			s.i++
			return nil
		}
		if n > 0 {
			if s.b[s.i] != ',' {
				return errNotObject
			}
			s.i++
		}
		if err := item(); err != nil {
			return err
		}
	}
}

// refObject reads a reference such as {"id":12} and records its site; anything else, such
// as null, is skipped.
func (s *jsonScan) refObject(collection string, sites *[]refSite) error {
	if !s.at('{') {
		return s.skip()
	}
	var id int64
	end, empty, err := s.object(func(key []byte) error {
		if string(key) == "id" {
			if n, ok := s.integer(); ok {
				id = n
				return nil
			}
		}
		return s.skip()
	})
	if err != nil {
		return err
	}
	if id != 0 {
		*sites = append(*sites, refSite{pos: end, collection: collection, id: id, empty: empty})
	}
	return nil
}

// integer reads an integer value; ok is false, and nothing is consumed, for anything else.
func (s *jsonScan) integer() (int64, bool) {
	j := s.i
	for j < len(s.b) && (s.b[j] == '-' || '0' <= s.b[j] && s.b[j] <= '9') {
		j++
	}
	if j < len(s.b) && (s.b[j] == '.' || s.b[j] == 'e' || s.b[j] == 'E') {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s.b[s.i:j]), 10, 64)
	if err != nil {
		return 0, false
	}
	s.i = j
	return n, true
}

// skipString moves past the string starting at the scanner.
func (s *jsonScan) skipString() bool {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return false
	}
	for s.i++; s.i < len(s.b); s.i++ {
		switch s.b[s.i] {
		case '\\':
			s.i++
		case '"':
			s.i++
			return true
		}
	}
	return false
}

// skip moves past the value starting at the scanner.
func (s *jsonScan) skip() error {
	s.ws()
	if s.i >= len(s.b) {
		return errNotObject
	}
	switch s.b[s.i] {
	case '"':
		if !s.skipString() {
			return errNotObject
		}
		return nil
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if !s.skipString() {
					return errNotObject
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return nil
				}
			}
			s.i++
		}
		return errNotObject
	}
	start := s.i
	for s.i < len(s.b) && !isJSONSpace(s.b[s.i]) && s.b[s.i] != ',' && s.b[s.i] != '}' && s.b[s.i] != ']' {
		s.i++
	}
	if s.i == start {
		return errNotObject
	}
	return nil
}

// appendJSONString appends s as a JSON string, replacing invalid UTF-8 as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// MaxCustomReferences is the most custom references one object may have.
const MaxCustomReferences = 50

// DecodeCustomReferences reads the body of PUT /external-references/{collection}/{id}: an
// object of custom reference names and string values, {"HRMID":"A-1"}. Names follow the
// custom names of ?externalReferences= (1 to 100 ASCII letters, digits, '_', '-', '.'); a
// predefined name such as @badge-number is refused, as its value is the object's own field.
// Values are at most MaxTextLength characters; an empty value or null removes the
// reference, as Protime treats an empty value as no reference. Every problem is listed in
// the ValidationErrors. The body is strict JSON (CheckStrictJSON).
func DecodeCustomReferences(data []byte) (map[string]string, error) {
	if err := CheckStrictJSON(data); err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil || raw == nil || dec.More() {
		return nil, ValidationErrors{{Message: `the body must be one JSON object of reference names and string values, such as {"HRMID":"A-1"}`}}
	}
	var errs ValidationErrors
	if len(raw) > MaxCustomReferences {
		errs.Add("", "the body holds %d references; an object may have at most %d", len(raw), MaxCustomReferences)
		return nil, errs
	}
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	slices.Sort(names)
	refs := make(map[string]string, len(raw))
	for _, name := range names {
		switch {
		case strings.HasPrefix(name, "@"):
			errs.Add(name, "is a predefined reference; its value is the object's own field and cannot be set")
			continue
		case name == "":
			errs.Add("", "a reference name is empty")
			continue
		case len(name) > MaxExternalReferenceName || scanReference(name) != len(name):
			errs.Add(name, "is not a custom reference name: use 1 to %d ASCII letters, digits, '_', '-' and '.'", MaxExternalReferenceName)
			continue
		}
		if isNull(raw[name]) {
			continue
		}
		var v string
		if err := json.Unmarshal(raw[name], &v); err != nil {
			errs.Add(name, "must be a string")
			continue
		}
		if n := utf8.RuneCountInString(v); n > MaxTextLength {
			errs.Add(name, "is %d characters long; at most %d are allowed", n, MaxTextLength)
			continue
		}
		if v != "" {
			refs[name] = v
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return refs, nil
}

// ObjectByReference returns the object of collection t whose external reference name has
// value, for GET /{collection}/{reference}?externalReferences=(collection,name). A custom
// reference is found through the store's index; a predefined one by reading the
// collection's objects, which only the small referenced collections (people, terminals,
// definitions) have. The lowest id wins when several objects share a value.
func ObjectByReference(ctx context.Context, s Store, tenantID int64, t *CollectionType, name, value string) (*Object, error) {
	if !strings.HasPrefix(name, "@") {
		return s.ObjectByCustomReference(ctx, tenantID, t.Name, name, value)
	}
	if _, ok := t.predefined[name]; !ok {
		return nil, Invalid("invalid external references", fmt.Sprintf("%s has no predefined reference %s", t.Name, name))
	}
	q := ObjectQuery{Collection: t.Name, Limit: 1000}
	for {
		page, err := s.ListObjects(ctx, tenantID, q)
		if err != nil {
			return nil, err
		}
		for _, o := range page {
			r, err := t.Unmarshal(o.Data)
			if err != nil {
				return nil, err
			}
			if v, _ := t.Predefined(r, name); v == value {
				return o, nil
			}
		}
		if len(page) < q.Limit {
			return nil, NotFound("no %s with %s %s", t.Name, name, quote(value))
		}
		q.AfterID = page[len(page)-1].ID
	}
}

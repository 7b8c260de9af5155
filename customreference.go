package shiftwire

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"
)

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

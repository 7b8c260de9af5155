package shiftwire

import (
	"encoding/json"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// readText reads a string of at most MaxTextLength characters; "" when it is missing or
// empty, which is an error when it is required.
func readText(f *Fields, name string, required bool) string {
	return readTextUpTo(f, name, required, MaxTextLength)
}

// readTextUpTo is readText for a string of at most max characters.
func readTextUpTo(f *Fields, name string, required bool, max int) string {
	s, ok := f.String(name, required)
	if !ok {
		return ""
	}
	if s == "" && required {
		f.Fail(name, "must not be empty")
	}
	if strings.IndexByte(s, 0) >= 0 {
		// No text needs it, and PostgreSQL's text, which holds the keys, cannot hold it.
		f.Fail(name, "must not contain the NUL character (\u0000)")
		return ""
	}
	if n := utf8.RuneCountInString(s); n > max {
		f.Fail(name, "is %d characters long; at most %d are allowed", n, max)
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

// readEnumOr reads an optional string that must be one of values; def when it is missing
// (Protime's enums start with Unknown, the value of a field nobody set).
func readEnumOr(f *Fields, name, def string, values ...string) string {
	if s, ok := readEnum(f, name, false, values...); ok {
		return s
	}
	return def
}

// readEnumList reads an optional array of distinct strings, each one of values, such as
// an absence definition's allowedDurations.
func readEnumList(f *Fields, name string, values ...string) []string {
	items, ok := f.Array(name, false)
	if !ok {
		return nil
	}
	var out []string
	for i, item := range items {
		field := name + "[" + itoa(i) + "]"
		var s string
		if len(item) == 0 || item[0] != '"' || json.Unmarshal(item, &s) != nil {
			f.Fail(field, "must be a string")
			continue
		}
		switch {
		case !slices.Contains(values, s):
			f.Fail(field, "must be %s; got %s", joinOr(values), quote(s))
		case slices.Contains(out, s):
			f.Fail(field, "%s appears twice; each value may appear once", quote(s))
		default:
			out = append(out, s)
		}
	}
	return out
}

// readRefList reads an optional array of at most max references {"id":N}, such as an
// activity duration's counterDefinitions.
func readRefList(f *Fields, name string, max int) []IDRef {
	items, ok := f.Array(name, false)
	if !ok {
		return nil
	}
	if len(items) > max {
		f.Fail(name, "has %d elements; at most %d are allowed", len(items), max)
		return nil
	}
	var out []IDRef
	for i, item := range items {
		el, ok := f.Element(name, i, item)
		if !ok {
			continue
		}
		el.Ignore("externalReferences")
		id, ok := el.Int("id", true)
		if ok && (id < 1 || id > MaxObjectID) {
			el.Fail("id", "must be an integer from 1 to %d", MaxObjectID)
			ok = false
		}
		el.Done()
		if ok {
			out = append(out, IDRef{ID: id})
		}
	}
	return out
}

// readStringRef reads a reference by a string id, {"id":"..."}, which Shiftwire keeps as
// given, such as request.id.
func readStringRef(f *Fields, name string, required bool) *StringRef {
	sub, ok := f.Object(name, required)
	if !ok {
		return nil
	}
	sub.Ignore("externalReferences")
	id := readText(sub, "id", true)
	sub.Done()
	if id == "" {
		return nil
	}
	return &StringRef{ID: id}
}

// readBoolOr reads an optional boolean; def when it is missing.
func readBoolOr(f *Fields, name string, def bool) bool {
	if b, ok := f.Bool(name, false); ok {
		return b
	}
	return def
}

// readTimeInMinutes reads an optional start or end time: minutes from midnight of the
// object's date, from 0 to MaxTimeInMinutes.
func readTimeInMinutes(f *Fields, name string) int {
	n, _ := readInt(f, name, false, 0, MaxTimeInMinutes)
	return n
}

// readDurationInMinutes reads an optional duration from 0 to MaxDurationInMinutes.
func readDurationInMinutes(f *Fields, name string) int {
	n, _ := readInt(f, name, false, 0, MaxDurationInMinutes)
	return n
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

package shiftwire

import (
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

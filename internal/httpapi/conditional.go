package httpapi

import (
	"net/http"
	"strings"

	"github.com/shiftwire/shiftwire"
)

// Conditional requests (RFC 9110 section 13) on the objects of collections. An object's
// entity tag is its changeVersion, quoted: it changes exactly when the object is written.

// entityTag returns the ETag of an object at version v.
func entityTag(v shiftwire.ChangeVersion) string { return `"` + v.String() + `"` }

// conditionVersions reads the If-Match or If-None-Match fields of h, "*" or a list of
// entity tags, as the versions they name; nil when h has none. A tag names a version when it
// is one exactly, 20 upper-case hex digits; other tags, and parts of the field that are not
// entity tags, name nothing. A weak tag (W/"...") names its version only when weak is set:
// If-None-Match compares weakly, If-Match strongly, and a weak tag never matches strongly.
func conditionVersions(h http.Header, name string, weak bool) *shiftwire.Versions {
	values := h.Values(name)
	if len(values) == 0 {
		return nil
	}
	s := &shiftwire.Versions{}
	for _, v := range values {
		readEntityTags(v, weak, s)
	}
	return s
}

// readEntityTags adds to s what the field value v names.
func readEntityTags(v string, weak bool, s *shiftwire.Versions) {
	for i := 0; i < len(v); {
		switch v[i] {
		case ' ', '\t', ',':
			i++
			continue
		case '*':
			s.Any = true
			i++
			continue
		}
		isWeak := strings.HasPrefix(v[i:], "W/")
		if isWeak {
			i += 2
		}
		if i >= len(v) || v[i] != '"' {
			// Not an entity tag: skip to the next element.
			next := strings.IndexByte(v[i:], ',')
			if next < 0 {
				return
			}
			i += next + 1
			continue
		}
		end := strings.IndexByte(v[i+1:], '"')
		if end < 0 {
			return
		}
		tag := v[i+1 : i+1+end]
		i += end + 2
		if isWeak && !weak {
			continue
		}
		if version, err := shiftwire.ParseChangeVersion(tag); err == nil && version.String() == tag {
			s.List = append(s.List, version)
		}
	}
}

// writePrecondition returns the precondition of a PUT or DELETE: its If-Match and
// If-None-Match, which the object writer checks in the write's transaction.
func writePrecondition(r *http.Request) shiftwire.Precondition {
	return shiftwire.Precondition{
		IfMatch:     conditionVersions(r.Header, "If-Match", false),
		IfNoneMatch: conditionVersions(r.Header, "If-None-Match", true),
	}
}

// notModified evaluates the conditions of a GET of o, in the order of RFC 9110 section
// 13.2.2, and sets the ETag header. An If-Match that does not hold is 409, as for a write;
// an If-None-Match naming o's version answers 304 with no body, and notModified reports
// true.
func notModified(w http.ResponseWriter, r *http.Request, o *shiftwire.Object) (bool, error) {
	if m := conditionVersions(r.Header, "If-Match", false); m != nil {
		if err := (shiftwire.Precondition{IfMatch: m}).Check(o.Collection, o.ID, o); err != nil {
			return false, err
		}
	}
	w.Header().Set("ETag", entityTag(o.Version))
	if none := conditionVersions(r.Header, "If-None-Match", true); none != nil && none.Match(o) {
		w.WriteHeader(http.StatusNotModified)
		return true, nil
	}
	return false, nil
}

package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/shiftwire/shiftwire"
)

// FuzzConditionVersions reads any If-Match or If-None-Match value: it never panics, a
// version it finds is written in the value as a tag, and a weak one only when weak tags count.
func FuzzConditionVersions(f *testing.F) {
	for _, seed := range []string{`"00000000000000000004"`, `W/"00000000000000000004"`, "*", `"a", W/"00000000000000000001" ,"0000000000000000000A"`,
		`""`, `"`, `W/`, `,,`, `"00000000000000000004`, `*, "x,y"`, "junk, \"0000000000000000FFFF\""} {
		f.Add(seed, true)
		f.Add(seed, false)
	}
	f.Fuzz(func(t *testing.T, value string, weak bool) {
		s := conditionVersions(http.Header{"If-Match": {value}}, "If-Match", weak)
		if s == nil {
			t.Fatal("a field that is present names a set")
		}
		if s.Any && !strings.Contains(value, "*") {
			t.Fatalf("%q names *", value)
		}
		for _, v := range s.List {
			tag := `"` + v.String() + `"`
			if !strings.Contains(value, tag) {
				t.Fatalf("%q names %s", value, v)
			}
			if !weak && !strings.Contains(strings.ReplaceAll(value, "W/"+tag, ""), tag) {
				t.Fatalf("%q names %s strongly, written only as a weak tag", value, v)
			}
		}
		if conditionVersions(http.Header{}, "If-Match", weak) != nil {
			t.Fatal("an absent field names a set")
		}
		// Every version written as a tag in a well-formed list is found.
		v := shiftwire.ChangeVersion(len(value))
		if got := conditionVersions(http.Header{"If-None-Match": {`W/"x", ` + entityTag(v)}}, "If-None-Match", weak); len(got.List) != 1 || got.List[0] != v {
			t.Fatalf("the list of %s: %+v", v, got)
		}
	})
}

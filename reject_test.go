package shiftwire_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/shiftwire/shiftwire"
)

// FuzzRejectedWrites gives Reject the bodies Decode refuses, of every collection, on a store
// holding the objects the examples refer to: it never panics, it writes nothing, and it
// answers the decoding's problems followed only by missing references. ReadChangeLines
// agrees with ReadChanges on the problems lines have of their own.
func FuzzRejectedWrites(f *testing.F) {
	types := shiftwire.Collections()
	for i, ct := range types {
		f.Add(uint8(i), []byte(ct.Example))
		f.Add(uint8(i), bytes.Replace([]byte(ct.Example), []byte(`{"id":1}`), []byte(`{"id":404}`), 1))
	}
	f.Add(uint8(3), []byte(`{"person":{"id":404},"date":"2024-01-02","timeOfDayInMinutes":2881,"kind":"InOut","terminal":{"id":7}}`))
	f.Add(uint8(3), []byte(`{"person":{"id":"x"},"date":"2024-01-02","kind":"Activity","activityLevels":[{"level":0,"activityDefinition":{"id":9}},{"activityDefinition":{"id":-1}}]}`))
	f.Add(uint8(0), []byte(`{"a":1,"a":2}`))
	ctx := context.Background()
	s, tn := openStore(f)
	seedReferences(f, s, tn)
	before := len(changes(f, s, tn))
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		ct := types[int(which)%len(types)]
		_, decodeErr := ct.Decode(body, 0)
		if decodeErr == nil {
			return
		}
		_, err := shiftwire.WriteObjects(ctx, s, tn.ID, func(w *shiftwire.ObjectWriter) error {
			return w.Reject(ctx, ct.Name, 0, body, decodeErr)
		})
		got, want := fieldsOf(err), fieldsOf(decodeErr)
		if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
			t.Fatalf("Reject = %v; Decode found %v", err, decodeErr)
		}
		for _, p := range err.(shiftwire.ValidationErrors)[len(want):] {
			if !strings.HasSuffix(p.Field, ".id") || !strings.HasSuffix(p.Message, ", which does not exist") {
				t.Fatalf("Reject added %+v", p)
			}
		}
		if n := len(changes(t, s, tn)); n != before {
			t.Fatalf("Reject wrote %d changes", n-before)
		}

		line := fmt.Sprintf(`{"collection":%q,"changeType":"InsertOrUpdate","data":%s}`, ct.Name, body)
		lines, lerr := shiftwire.ReadChangeLines(strings.NewReader(line), nil)
		_, rerr := shiftwire.ReadChanges(strings.NewReader(line), nil)
		if lerr != nil || fmt.Sprint(shiftwire.LineProblems(lines).Err()) != fmt.Sprint(rerr) {
			t.Fatalf("ReadChangeLines: %v, %v; ReadChanges: %v", shiftwire.LineProblems(lines), lerr, rerr)
		}
	})
}

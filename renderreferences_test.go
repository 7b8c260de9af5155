package shiftwire_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/shiftwire/shiftwire"
)

func mustRefs(tb testing.TB, s string) shiftwire.ExternalReferences {
	tb.Helper()
	refs, err := shiftwire.ParseExternalReferences(s)
	if err != nil {
		tb.Fatal(err)
	}
	return refs
}

func TestAddExternalReferences(t *testing.T) {
	ctx := context.Background()
	s, tn := openStore(t)
	seedReferences(t, s, tn)
	save(t, s, tn, shiftwire.Contracts, `{"id":1,"person":{"id":1},"from":"2024-01-01"}`)
	for _, r := range []struct {
		collection string
		id         int64
		refs       map[string]string
	}{
		{shiftwire.People, 1, map[string]string{"HRMID": "A-1", "PAYROLL": "P\"1"}},
		{shiftwire.Terminals, 1, map[string]string{"SITE": "Gent"}},
		{shiftwire.Contracts, 1, map[string]string{"HRCODE": "C-1"}},
	} {
		if err := s.SetCustomReferences(ctx, tn.ID, r.collection, r.id, r.refs); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, collection, refs string
		in, want               []string
	}{
		{"person predefined and custom", shiftwire.Clockings, "(people,@badge-number)(people,HRMID)(people,@employee-number)",
			[]string{`{"changeVersion":"00000000000000000009","id":5,"person":{"id":1},"date":"2024-01-02","kind":"InOut"}`},
			[]string{`{"changeVersion":"00000000000000000009","id":5,"person":{"id":1,"externalReferences":{"@badge-number":"6767676","HRMID":"A-1","@employee-number":"E-1"}},"date":"2024-01-02","kind":"InOut"}`}},
		{"empty and missing values are left out", shiftwire.Clockings, "(people,@badge-number)(people,HRMID)",
			[]string{`{"id":5,"person":{"id":2}}`, `{"id":6,"person":{"id":404}}`},
			[]string{`{"id":5,"person":{"id":2,"externalReferences":{}}}`, `{"id":6,"person":{"id":404,"externalReferences":{}}}`}},
		{"every referenced collection of a clocking", shiftwire.Clockings,
			"(terminals,@external-code)(terminals,SITE)(activity-definitions,@data-entry-code)(activity-definitions,@external-reference)(absence-definitions,@absence-code)",
			[]string{`{"id":5,"person":{"id":1},"terminal":{"id":1},"kind":"Activity","reason":{"id":1},"activityLevels":[{"level":1,"activityDefinition":{"id":1}},{"level":2,"activityDefinition":{"id":1}}],"status":"Active"}`},
			[]string{`{"id":5,"person":{"id":1},"terminal":{"id":1,"externalReferences":{"@external-code":"T-FRONT","SITE":"Gent"}},"kind":"Activity","reason":{"id":1,"externalReferences":{"@absence-code":"DOC"}},"activityLevels":[{"level":1,"activityDefinition":{"id":1,"externalReferences":{"@data-entry-code":"ASM","@external-reference":"X-ASM"}}},{"level":2,"activityDefinition":{"id":1,"externalReferences":{"@data-entry-code":"ASM","@external-reference":"X-ASM"}}}],"status":"Active"}`}},
		{"own collection and parent", shiftwire.Contracts, "(contracts,HRCODE)(people,PAYROLL)",
			[]string{`{"changeVersion":"0000000000000000000A","id":1,"person":{"id":1},"from":"2024-01-01"}`, `{"id":2,"person":{"id":1},"kind":"Addendum","parentContract":{"id":1}}`},
			[]string{`{"changeVersion":"0000000000000000000A","id":1,"person":{"id":1,"externalReferences":{"PAYROLL":"P\"1"}},"from":"2024-01-01","externalReferences":{"HRCODE":"C-1"}}`,
				`{"id":2,"person":{"id":1,"externalReferences":{"PAYROLL":"P\"1"}},"kind":"Addendum","parentContract":{"id":1,"externalReferences":{"HRCODE":"C-1"}},"externalReferences":{}}`}},
		{"a delete's data", shiftwire.Contracts, "(contracts,HRCODE)",
			[]string{`{"id":1,"changeVersion":"0000000000000000000B"}`},
			[]string{`{"id":1,"changeVersion":"0000000000000000000B","externalReferences":{"HRCODE":"C-1"}}`}},
		{"people read with their own references", shiftwire.People, "(people,@badge-number)(people,HRMID)",
			[]string{`{"id":1,"lastName":"Peeters"}`},
			[]string{`{"id":1,"lastName":"Peeters","externalReferences":{"@badge-number":"6767676","HRMID":"A-1"}}`}},
		{"nothing referenced is selected", shiftwire.Clockings, "(terminals,@external-code)",
			[]string{`{"id":5,"person":{"id":1}}`, `{"id":6,"terminal":null}`},
			[]string{`{"id":5,"person":{"id":1}}`, `{"id":6,"terminal":null}`}},
		{"spaces and escapes", shiftwire.Clockings, "(people,HRMID)",
			[]string{"{ \"id\" : 5 , \"note\":\"a \\\"person\\\" {\" , \"person\" : { \"id\" : 1 } }"},
			[]string{"{ \"id\" : 5 , \"note\":\"a \\\"person\\\" {\" , \"person\" : { \"id\" : 1 ,\"externalReferences\":{\"HRMID\":\"A-1\"}} }"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := make([]json.RawMessage, len(tt.in))
			for i, s := range tt.in {
				in[i] = json.RawMessage(s)
			}
			out, err := shiftwire.AddExternalReferences(ctx, s, tn.ID, tt.collection, mustRefs(t, tt.refs), in)
			if err != nil {
				t.Fatal(err)
			}
			for i := range out {
				if string(out[i]) != tt.want[i] {
					t.Errorf("object %d\n got %s\nwant %s", i, out[i], tt.want[i])
				}
				if !json.Valid(out[i]) {
					t.Errorf("object %d is not valid JSON", i)
				}
			}
		})
	}
	if _, err := shiftwire.AddExternalReferences(ctx, s, tn.ID, shiftwire.Clockings, mustRefs(t, "(people,HRMID)"), []json.RawMessage{json.RawMessage(`{"person":{"id":1}`)}); err == nil {
		t.Fatal("a broken object was accepted")
	}
}

// TestReadReferences checks which references reads of each collection accept: what its
// webhooks may carry, plus its own.
func TestReadReferences(t *testing.T) {
	tests := []struct {
		collection, refs string
		ok               bool
	}{
		{shiftwire.Clockings, "(people,@badge-number)(terminals,@external-code)(clockings,X)", true},
		{shiftwire.Clockings, "(contracts,X)", false},
		{shiftwire.Contracts, "(contracts,HRCODE)(people,@employee-number)", true},
		{shiftwire.Contracts, "(contracts,@badge-number)", false},
		{shiftwire.AbsenceGroups, "(absence-groups,CODE)", true},
		{shiftwire.BreakDefinitions, "(people,X)", false},
		{shiftwire.People, "(people,@badge-number)(people,HRMID)", true},
		{shiftwire.Terminals, "(terminals,@external-code)", true},
		{shiftwire.ActivityDefinitions, "(activity-definitions,@data-entry-code)(activity-definitions,@external-reference)", true},
		{shiftwire.AbsenceDefinitions, "(absence-definitions,@absence-code)", true},
		{shiftwire.AbsenceDefinitions, "(absence-definitions,@data-entry-code)", false},
	}
	for _, tt := range tests {
		err := collectionType(t, tt.collection).ReadReferences().CheckReferences(mustRefs(t, tt.refs))
		if (err == nil) != tt.ok {
			t.Errorf("%s %s: %v, want ok %v", tt.collection, tt.refs, err, tt.ok)
		}
	}
}

func TestObjectByReference(t *testing.T) {
	ctx := context.Background()
	s, tn := openStore(t)
	seedReferences(t, s, tn)
	if err := s.SetCustomReferences(ctx, tn.ID, shiftwire.People, 2, map[string]string{"HRMID": "B-2"}); err != nil {
		t.Fatal(err)
	}
	people := collectionType(t, shiftwire.People)
	for _, tt := range []struct {
		name, value string
		id          int64
	}{
		{"HRMID", "B-2", 2}, {"@badge-number", "6767676", 1}, {"@employee-number", "E-1", 1},
		{"HRMID", "nope", 0}, {"@badge-number", "nope", 0},
	} {
		o, err := shiftwire.ObjectByReference(ctx, s, tn.ID, people, tt.name, tt.value)
		switch {
		case tt.id == 0 && shiftwire.ErrorCodeOf(err) != shiftwire.ENotFound:
			t.Errorf("%s=%s: %v, want not found", tt.name, tt.value, err)
		case tt.id != 0 && (err != nil || o.ID != tt.id):
			t.Errorf("%s=%s: %v, %v; want id %d", tt.name, tt.value, o, err, tt.id)
		}
	}
}

func TestDecodeCustomReferences(t *testing.T) {
	tests := []struct {
		body   string
		want   map[string]string
		fields []string
	}{
		{`{"HRMID":"A-1","payroll.code":"P_1","gone":"","null":null}`, map[string]string{"HRMID": "A-1", "payroll.code": "P_1"}, nil},
		{`{}`, map[string]string{}, nil},
		{`{"@badge-number":"1","bad name":"x","n":1,"long":"` + strings.Repeat("x", 201) + `"}`, nil, []string{"@badge-number", "bad name", "long", "n"}},
		{`[]`, nil, []string{""}},
		{`{"a":"b"} {}`, nil, []string{""}},
	}
	for _, tt := range tests {
		got, err := shiftwire.DecodeCustomReferences([]byte(tt.body))
		if tt.fields != nil {
			if f := fieldsOf(err); !slices.Equal(f, tt.fields) {
				t.Errorf("%s: fields %q, want %q (%v)", tt.body, f, tt.fields, err)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s = %v, %v; want %v", tt.body, got, err, tt.want)
		}
	}
}

// BenchmarkAddExternalReferences measures a batch of 100 clocking events with references on
// people (predefined and custom) and terminals, read from the SQLite store, as the delivery
// engine renders them.
func BenchmarkAddExternalReferences(b *testing.B) {
	ctx := context.Background()
	s, tn := openStore(b)
	seedReferences(b, s, tn)
	for id := int64(1); id <= 2; id++ {
		s.SetCustomReferences(ctx, tn.ID, shiftwire.People, id, map[string]string{"HRMID": fmt.Sprint("A-", id)})
	}
	var objects []json.RawMessage
	for i := range 100 {
		objects = append(objects, json.RawMessage(fmt.Sprintf(
			`{"changeVersion":"%020X","id":%d,"person":{"id":%d},"date":"2024-01-02","timeOfDayInMinutes":480,"calculatedTimeOfDayInMinutes":480,"isGenerated":false,"terminal":{"id":1},"geolocation":{"longitude":4.35,"latitude":50.85},"kind":"InOut","status":"Active"}`,
			i+1, i+1, i%2+1)))
	}
	refs := mustRefs(b, "(people,@badge-number)(people,HRMID)(terminals,@external-code)")
	b.ReportAllocs()
	for b.Loop() {
		out, err := shiftwire.AddExternalReferences(ctx, s, tn.ID, shiftwire.Clockings, refs, objects)
		if err != nil || !bytes.Contains(out[99], []byte("A-2")) {
			b.Fatalf("%s, %v", out[99], err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/object")
}

// FuzzAddExternalReferences splices references into arbitrary objects: no panic, and valid
// JSON in gives valid JSON out.
func FuzzAddExternalReferences(f *testing.F) {
	for _, s := range []string{
		`{"id":5,"person":{"id":1},"terminal":{"id":1},"activityLevels":[{"level":1,"activityDefinition":{"id":1}}],"reason":{"id":1}}`,
		`{"id":1,"changeVersion":"0000000000000000000B"}`,
		`{"person":{"id":1.5},"terminal":null,"activityLevels":[1,{"activityDefinition":{}}]}`,
		`{}`, `{"person":{}}`, ` { "person" : { "id" : -1 } } `, `{"a":"\"}"}`, `{"person":{"id":1}`,
	} {
		f.Add([]byte(s))
	}
	ctx := context.Background()
	s, tn := openStore(f)
	seedReferences(f, s, tn)
	refs := mustRefs(f, "(people,@badge-number)(terminals,@external-code)(activity-definitions,X)(absence-definitions,@absence-code)(clockings,Y)")
	f.Fuzz(func(t *testing.T, obj []byte) {
		out, err := shiftwire.AddExternalReferences(ctx, s, tn.ID, shiftwire.Clockings, refs, []json.RawMessage{obj})
		if err != nil {
			return
		}
		if json.Valid(obj) && !json.Valid(out[0]) {
			t.Fatalf("valid %s became invalid %s", obj, out[0])
		}
	})
}

// FuzzDecodeCustomReferences reads arbitrary external-reference bodies: no panic, problems
// only as ValidationErrors, and what is kept obeys the limits.
func FuzzDecodeCustomReferences(f *testing.F) {
	for _, s := range []string{`{"HRMID":"A-1"}`, `{"@x":"1","a b":2}`, `{}`, `null`, `{"a":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		refs, err := shiftwire.DecodeCustomReferences(body)
		if err != nil {
			if fieldsOf(err) == nil {
				t.Fatalf("error %v is not ValidationErrors", err)
			}
			return
		}
		if len(refs) > shiftwire.MaxCustomReferences {
			t.Fatalf("%d references kept", len(refs))
		}
		for name, v := range refs {
			if name == "" || strings.HasPrefix(name, "@") || v == "" {
				t.Fatalf("kept %q=%q", name, v)
			}
			if _, err := shiftwire.ParseExternalReferences("(people," + name + ")"); err != nil {
				t.Fatalf("kept name %q cannot be selected: %v", name, err)
			}
		}
	})
}

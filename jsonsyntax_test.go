package shiftwire

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestBodyObjectProblems checks that a body that is not one JSON object is answered with
// what is wrong and where, and that an empty body and a cut-short one are told apart.
func TestBodyObjectProblems(t *testing.T) {
	tests := []struct{ body, want string }{
		{``, "the body is empty; it must be one JSON object"},
		{" \n\t", "the body is empty; it must be one JSON object"},
		{`{`, "the body's JSON is cut short after 1 bytes: expected a key in double quotes or }"},
		{`{"a"`, "the body's JSON is cut short after 4 bytes: expected a colon after the key"},
		{`{"a":`, "the body's JSON is cut short after 5 bytes: expected a value"},
		{`{"a": `, "the body's JSON is cut short after 6 bytes: expected a value"},
		{`{"a":1`, "the body's JSON is cut short after 6 bytes: expected a comma or }"},
		{`{"a":1,`, "the body's JSON is cut short after 7 bytes: expected a key in double quotes"},
		{`{"a":"x\"y`, "the body's JSON is cut short after 10 bytes: expected the rest of a string and its closing quote"},
		{`{"a":[1,`, "the body's JSON is cut short after 8 bytes: expected a value"},
		{`{"a":[1`, "the body's JSON is cut short after 7 bytes: expected a comma or ]"},
		{`{"a":{"b":{}`, "the body's JSON is cut short after 12 bytes: expected a comma or }"},
		{`{"a":tr`, `the body's JSON is cut short after 7 bytes: expected the rest of "tr"`},
		{`{"a":x}`, "the body is not valid JSON at byte 5: invalid character 'x' looking for beginning of value"},
		{`{"a":1,}`, "the body is not valid JSON at byte 7: invalid character '}' looking for beginning of object key string"},
		{`{"a":1}}`, "the body goes on after its JSON value, at byte 7; it must be one JSON object"},
		{`{} {}`, "the body goes on after its JSON value, at byte 3; it must be one JSON object"},
		{`[1]`, "the body must be one JSON object, not an array"},
		{`"x"`, "the body must be one JSON object, not a string"},
		{`12`, "the body must be one JSON object, not a number"},
		{`true`, "the body must be one JSON object, not a boolean"},
		{`null`, "the body must be one JSON object, not null"},
	}
	for _, tt := range tests {
		m, got := decodeBodyObject([]byte(tt.body))
		if got != tt.want || m != nil {
			t.Errorf("%q: %q (%v), want %q", tt.body, got, m, tt.want)
		}
	}
	m, problem := decodeBodyObject([]byte(" {\"a\":1,\"b\":{\"c\":[true]}}\n"))
	if problem != "" || len(m) != 2 || string(m["b"]) != `{"c":[true]}` {
		t.Errorf("a valid object: %v %q", m, problem)
	}
}

// FuzzDecodeBodyObject checks that every body is either one JSON object, decoded, or
// answered with a problem, never both and never a panic, and that every prefix of a valid
// object that is not itself valid is reported as cut short, not as something else.
func FuzzDecodeBodyObject(f *testing.F) {
	for _, s := range []string{``, `{`, `{"a":`, `{"a":1}`, `{"a":[1,{"b":"c\"d"}],"e":null}`, `[1]`, `{} x`, `{"a":tru`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, problem := decodeBodyObject(data)
		var v map[string]json.RawMessage
		valid := json.Valid(data) && json.Unmarshal(data, &v) == nil && v != nil
		if valid != (problem == "") || (problem == "") != (m != nil) {
			t.Fatalf("%q: valid %v, problem %q, object %v", data, valid, problem, m)
		}
		if !valid {
			return
		}
		for i := 1; i < len(data); i++ {
			prefix := data[:i]
			if json.Valid(prefix) || strings.TrimSpace(string(prefix)) == "" {
				continue
			}
			if _, p := decodeBodyObject(prefix); !strings.Contains(p, "cut short") {
				t.Fatalf("prefix %q of %q: %q, want it cut short", prefix, data, p)
			}
		}
	})
}

package shiftwire_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shiftwire/shiftwire"
)

func TestCheckStrictJSON(t *testing.T) {
	var many strings.Builder
	many.WriteString("{")
	for i := range 40 {
		fmt.Fprintf(&many, `"k%d":%d,`, i, i)
	}
	tests := []struct {
		name, body string
		field      string // the problem's field; "-" when the body is strict
		message    string // a part of the problem's message
	}{
		{"empty object", `{}`, "-", ""},
		{"nothing", ``, "-", ""},
		{"one key per object", `{"a":1,"b":{"a":2,"b":[{"a":3},{"a":3}]},"c":"a"}`, "-", ""},
		{"same value twice", `{"a":"a","b":"a"}`, "-", ""},
		{"a key as a value", `{"a":"b","b":"a"}`, "-", ""},
		{"many keys", many.String() + `"last":1}`, "-", ""},
		{"a surrogate pair", `{"a":"\ud83d\ude00"}`, "-", ""},
		{"escaped quotes", `{"a\"":1,"a":"\"a\":1"}`, "-", ""},
		{"non-ASCII", `{"naam":"Zoë","ключ":"値"}`, "-", ""},

		{"a duplicate key", `{"a":1,"a":2}`, "a", "more than once"},
		{"a duplicate null", `{"id":null,"id":1}`, "id", "more than once"},
		{"a nested duplicate", `{"person":{"id":1,"id":2}}`, "person.id", "more than once"},
		{"a duplicate in an array", `{"levels":[{"l":1},{"l":1,"l":2}]}`, "levels[1].l", "more than once"},
		{"a duplicate after an object", `{"a":{"b":1},"a":2}`, "a", "more than once"},
		{"a duplicate spelt with an escape", `{"a":1,"\u0061":2}`, "a", "more than once"},
		{"a duplicate with a backslash", `{"a\\":1,"a\\":2}`, `a\`, "more than once"},
		{"a duplicate among many keys", many.String() + `"k3":1}`, "k3", "more than once"},
		{"a duplicate in a top array", `[1,{"x":[{"y":{"z":1,"z":1}}]}]`, "[1].x[0].y.z", "more than once"},

		{"invalid UTF-8 in a value", "{\"name\":\"Zo\xeb\"}", "name", "UTF-8"},
		{"invalid UTF-8 in a key", "{\"a\":{\"\xff\":1}}", "a", "UTF-8"},
		{"invalid UTF-8 in an array", "{\"a\":[\"x\",\"\xc3\"]}", "a[1]", "UTF-8"},
		{"invalid UTF-8 outside strings", "{\"a\":1}\xff", "", "UTF-8"},
		{"an encoded surrogate", "{\"a\":\"\xed\xa0\x80\"}", "a", "UTF-8"},
		{"a lone high surrogate", `{"a":"\ud800"}`, "a", "surrogate"},
		{"a lone low surrogate", `{"a":["\udc00x"]}`, "a[0]", "surrogate"},
		{"a high surrogate before another escape", `{"a":"\ud800\u0041"}`, "a", "surrogate"},
		{"a lone surrogate in a key", `{"b":{"\uDBFF":1}}`, "b", "surrogate"},
		{"too deep", strings.Repeat("[", 10_001), "", "deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := shiftwire.CheckStrictJSON([]byte(tt.body))
			if tt.field == "-" {
				if err != nil {
					t.Fatalf("CheckStrictJSON = %v, want nil", err)
				}
				return
			}
			var verrs shiftwire.ValidationErrors
			if !errors.As(err, &verrs) || len(verrs) != 1 {
				t.Fatalf("CheckStrictJSON = %v, want one ValidationError", err)
			}
			if verrs[0].Field != tt.field || !strings.Contains(verrs[0].Message, tt.message) {
				t.Fatalf("problem %+v, want field %q and a message with %q", verrs[0], tt.field, tt.message)
			}
		})
	}
}

// TestStrictBodies checks that every decoder of request bodies applies CheckStrictJSON.
func TestStrictBodies(t *testing.T) {
	people, _ := shiftwire.CollectionByName(shiftwire.People)
	decoders := map[string]func([]byte) error{
		"fields": func(b []byte) error {
			_, errs := shiftwire.ParseFields(b)
			return errs.Err()
		},
		"object": func(b []byte) error { _, err := people.Decode(b, 0); return err },
		"custom references": func(b []byte) error {
			_, err := shiftwire.DecodeCustomReferences(b)
			return err
		},
		"change line": func(b []byte) error {
			_, err := shiftwire.ReadChanges(bytes.NewReader(b), nil)
			return err
		},
		"change array": func(b []byte) error {
			_, err := shiftwire.ReadChanges(bytes.NewReader(append(append([]byte("["), b...), ']')), nil)
			return err
		},
	}
	bodies := map[string]string{
		"a duplicate key":  `{"lastName":"A","lastName":"B"}`,
		"invalid UTF-8":    "{\"lastName\":\"\xff\"}",
		"a lone surrogate": `{"lastName":"\udfff"}`,
	}
	for dname, decode := range decoders {
		for bname, body := range bodies {
			if strings.HasPrefix(dname, "change") {
				body = `{"collection":"people","changeType":"InsertOrUpdate","data":` + body + `}`
			}
			err := decode([]byte(body))
			var verrs shiftwire.ValidationErrors
			if !errors.As(err, &verrs) || len(verrs) != 1 || !strings.Contains(verrs[0].Field, "lastName") {
				t.Errorf("%s of %s: %v, want one problem naming lastName", dname, bname, err)
			}
		}
	}
}

// FuzzCheckStrictJSON compares CheckStrictJSON with a slow reference built on
// encoding/json's tokenizer: on JSON that encoding/json accepts, each reports a duplicate
// key or invalid UTF-8 exactly when the other does (lone surrogates, which the tokenizer
// silently replaces, only CheckStrictJSON sees).
func FuzzCheckStrictJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `{"a":1,"a":2}`, `{"a":{"b":1,"b":2}}`, `[{"a":1},{"a":1}]`,
		`{"a":1,"\u0061":2}`, `{"a":"\ud800"}`, `{"a":"\ud83d\ude00"}`, "{\"a\":\"\xff\"}",
		`{"a\\":1,"a\"":2}`, `{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k3":3}`,
		`{"collection":"clockings","changeType":"InsertOrUpdate","data":{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":480,"kind":"InOut"}}`,
		`"\u`, `{"`, `[[[`, `}}]]`, `{"a":"\`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := shiftwire.CheckStrictJSON(data)
		var verrs shiftwire.ValidationErrors
		if err != nil && (!errors.As(err, &verrs) || len(verrs) != 1 || !utf8.ValidString(verrs[0].Field)) {
			t.Fatalf("CheckStrictJSON = %#v, want one ValidationError with a UTF-8 field", err)
		}
		if !json.Valid(data) {
			return
		}
		want := referenceStrict(data)
		switch {
		case want != "" && err == nil:
			t.Fatalf("CheckStrictJSON accepted %q, which has %s", data, want)
		case want == "" && err != nil && !strings.Contains(verrs[0].Message, "surrogate"):
			t.Fatalf("CheckStrictJSON refused %q: %v", data, err)
		}
	})
}

// referenceStrict says what is not strict in valid JSON data, or "".
func referenceStrict(data []byte) string {
	if !utf8.Valid(data) {
		return "invalid UTF-8"
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object    bool
		keys      map[string]bool
		expectKey bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return ""
		} else if err != nil {
			panic(err)
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if top != nil && top.object {
					top.expectKey = true
				}
				stack = append(stack, &frame{object: v == '{', keys: map[string]bool{}, expectKey: true})
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.object && top.expectKey {
				if top.keys[v] {
					return "a duplicate key"
				}
				top.keys[v] = true
				top.expectKey = false
				continue
			}
			if top != nil && top.object {
				top.expectKey = true
			}
		default:
			if top != nil && top.object {
				top.expectKey = true
			}
		}
	}
}

func BenchmarkCheckStrictJSON(b *testing.B) {
	var body bytes.Buffer
	for i := range 10_000 {
		fmt.Fprintf(&body, `{"collection":"clockings","changeType":"InsertOrUpdate","data":{"person":{"id":%d},"date":"2024-%02d-%02d","timeOfDayInMinutes":%d,"terminal":{"id":1},"kind":"InOut","comment":"Zoë \u00e9 \"quoted\""}}`+"\n",
			i%2+1, i%12+1, i%28+1, i%1440)
	}
	data := body.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := shiftwire.CheckStrictJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}

package shiftwire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// decodeBodyObject decodes data, a request body, as exactly one JSON object. When it is not
// one, the message says why, so that a client can find its mistake: the body is empty, is
// cut short (after how many bytes, and what was expected there), breaks JSON's syntax
// (where, and how), is another kind of value, or goes on after the object. Byte positions
// count from 0.
func decodeBodyObject(data []byte) (m map[string]json.RawMessage, problem string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v json.RawMessage
	err := dec.Decode(&v)
	var syntax *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		return nil, "the body is empty; it must be one JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fmt.Sprintf("the body's JSON is cut short after %d bytes: expected %s", len(data), expectedAtEnd(data))
	case errors.As(err, &syntax):
		return nil, fmt.Sprintf("the body is not valid JSON at byte %d: %s", syntax.Offset-1, syntax.Error())
	case err != nil:
		return nil, "the body must be one JSON object"
	}
	end := int(dec.InputOffset())
	if rest := bytes.TrimLeft(data[end:], " \t\r\n"); len(rest) > 0 {
		return nil, fmt.Sprintf("the body goes on after its JSON value, at byte %d; it must be one JSON object", len(data)-len(rest))
	}
	if v[0] != '{' {
		return nil, "the body must be one JSON object, not " + jsonKind(v[0])
	}
	if err := json.Unmarshal(v, &m); err != nil {
		return nil, "the body must be one JSON object"
	}
	return m, ""
}

// jsonKind names the kind of JSON value that starts with c.
func jsonKind(c byte) string {
	switch c {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// expectedAtEnd says what JSON that ends early, data, needed next: it follows the
// structure of data as far as it goes, without checking it, since the decoder already
// found nothing wrong before the end.
func expectedAtEnd(data []byte) string {
	type frame struct{ object, expectKey, afterKey bool }
	var stack []frame
	top := func() *frame {
		if len(stack) == 0 {
			return nil
		}
		return &stack[len(stack)-1]
	}
	afterValue := func() string {
		if f := top(); f != nil && f.object {
			return "a comma or }"
		}
		return "a comma or ]"
	}
	last := "a JSON object"
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case ' ', '\t', '\r', '\n':
			continue
		case '"':
			j := i + 1
			for j < len(data) && data[j] != '"' {
				if data[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(data) {
				return "the rest of a string and its closing quote"
			}
			i = j
			if f := top(); f != nil && f.object && f.expectKey {
				f.expectKey, f.afterKey = false, true
				last = "a colon after the key"
			} else {
				last = afterValue()
			}
		case '{':
			stack = append(stack, frame{object: true, expectKey: true})
			last = "a key in double quotes or }"
		case '[':
			stack = append(stack, frame{})
			last = "a value or ]"
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			last = afterValue()
		case ':':
			if f := top(); f != nil {
				f.afterKey = false
			}
			last = "a value"
		case ',':
			if f := top(); f != nil && f.object {
				f.expectKey = true
				last = "a key in double quotes"
			} else {
				last = "a value"
			}
		default:
			// A number or a literal: it may be whole (1) or not (tru).
			j := i
			for j < len(data) && bytes.IndexByte([]byte(" \t\r\n,:]}[{\""), data[j]) < 0 {
				j++
			}
			word := string(data[i:j])
			i = j - 1
			switch {
			case j == len(data) && (c == 't' || c == 'f' || c == 'n') && word != "true" && word != "false" && word != "null":
				return "the rest of " + quote(word)
			default:
				last = afterValue()
			}
		}
	}
	return last
}

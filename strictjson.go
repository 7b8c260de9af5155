package shiftwire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxJSONDepth is how deeply a request body may nest objects and arrays, the limit
// encoding/json applies too.
const maxJSONDepth = 10_000

// CheckStrictJSON checks the rules SPEC section 10 adds to JSON for every request body,
// which encoding/json does not enforce: the text is valid UTF-8, no object holds the same key
// twice at any depth (encoding/json would keep the last one), and no \u escape is a lone
// surrogate (encoding/json would replace it with U+FFFD). It returns nil or ValidationErrors
// with one problem, whose field is the dotted path of the offending key or string
// ("person.id", "activityLevels[1].level") and "" for the text as a whole.
//
// It does not check the syntax otherwise: broken JSON is left to the decoder, which reports
// it. It reads data once without decoding values, so it costs little next to decoding.
func CheckStrictJSON(data []byte) error {
	if p, ok := strictJSON(data); !ok {
		return ValidationErrors{p}
	}
	return nil
}

// jsonFrame is an object or array the strict check is inside.
type jsonFrame struct {
	object bool
	key    []byte // the object's current key, for the path
	index  int    // the array's current index, for the path
	keys   int    // where the object's keys start in strictChecker.keys
	set    map[string]struct{}
}

// linearKeys is how many keys an object may hold before its duplicates are looked up in a
// map instead of a scan of the keys seen.
const linearKeys = 16

type strictChecker struct {
	data      []byte
	badUTF8   int // the offset of the first invalid byte, or -1
	frames    []jsonFrame
	keys      [][]byte
	expectKey bool
}

// strictJSON is CheckStrictJSON returning the problem itself.
func strictJSON(data []byte) (ValidationError, bool) {
	c := strictChecker{data: data, badUTF8: -1}
	if !utf8.Valid(data) {
		c.badUTF8 = firstInvalidUTF8(data)
	}
	var frames [32]jsonFrame
	c.frames = frames[:0]
	for i := 0; i < len(data); {
		switch data[i] {
		case '"':
			end, esc, lone := scanJSONString(data, i)
			isKey := c.expectKey && len(c.frames) > 0 && c.frames[len(c.frames)-1].object
			if c.badUTF8 >= i && c.badUTF8 < end {
				return c.invalidUTF8(isKey), false
			}
			if lone {
				return c.problem(isKey, "holds a \\u escape of a lone surrogate, which is not a Unicode character"), false
			}
			if isKey {
				c.expectKey = false
				key := data[i+1 : max(i+1, end-1)]
				if esc {
					key = unescapeKey(data[i:end])
				}
				if p, ok := c.addKey(key); !ok {
					return p, false
				}
			}
			i = end
		case '{', '[':
			if len(c.frames) == maxJSONDepth {
				return ValidationError{Message: fmt.Sprintf("nests objects and arrays more than %d deep", maxJSONDepth)}, false
			}
			c.frames = append(c.frames, jsonFrame{object: data[i] == '{', keys: len(c.keys)})
			c.expectKey = data[i] == '{'
			i++
		case '}', ']':
			if n := len(c.frames); n > 0 {
				c.keys = c.keys[:c.frames[n-1].keys]
				c.frames = c.frames[:n-1]
			}
			c.expectKey = false
			i++
		case ',':
			if n := len(c.frames); n > 0 {
				f := &c.frames[n-1]
				c.expectKey = f.object
				if !f.object {
					f.index++
				}
			}
			i++
		default:
			i++
		}
	}
	if c.badUTF8 >= 0 {
		return ValidationError{Message: fmt.Sprintf("is not valid UTF-8 at byte %d; JSON must be UTF-8", c.badUTF8)}, false
	}
	return ValidationError{}, true
}

// addKey records key in the innermost object, failing when the object already has it.
func (c *strictChecker) addKey(key []byte) (ValidationError, bool) {
	f := &c.frames[len(c.frames)-1]
	seen := c.keys[f.keys:]
	switch {
	case f.set == nil && len(seen) < linearKeys:
		for _, k := range seen {
			if bytes.Equal(k, key) {
				return c.duplicate(key), false
			}
		}
		c.keys = append(c.keys, key)
	default:
		if f.set == nil {
			f.set = make(map[string]struct{}, 2*linearKeys)
			for _, k := range seen {
				f.set[string(k)] = struct{}{}
			}
		}
		if _, dup := f.set[string(key)]; dup {
			return c.duplicate(key), false
		}
		f.set[string(key)] = struct{}{}
	}
	f.key = key
	return ValidationError{}, true
}

func (c *strictChecker) duplicate(key []byte) ValidationError {
	c.frames[len(c.frames)-1].key = key
	return ValidationError{Field: c.path(len(c.frames)), Message: "appears more than once in its object; each key must be unique"}
}

// problem reports message for the string the checker is on: a key (named by its object's
// path) or a value.
func (c *strictChecker) problem(isKey bool, message string) ValidationError {
	n := len(c.frames)
	if isKey {
		n--
	}
	return ValidationError{Field: c.path(n), Message: message}
}

func (c *strictChecker) invalidUTF8(isKey bool) ValidationError {
	p := c.problem(isKey, "")
	if p.Field == "" {
		p.Message = fmt.Sprintf("is not valid UTF-8 at byte %d; JSON must be UTF-8", c.badUTF8)
	} else {
		p.Message = fmt.Sprintf("is not valid UTF-8 (byte %d); JSON must be UTF-8", c.badUTF8)
	}
	return p
}

// path names the place of the first n frames as Fields does: "person.id", "levels[1].id".
func (c *strictChecker) path(n int) string {
	var b strings.Builder
	for _, f := range c.frames[:n] {
		switch {
		case f.object && f.key != nil:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.Write(f.key)
		case !f.object:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(f.index))
			b.WriteByte(']')
		}
	}
	// A key that is not valid UTF-8 is never named: the path goes in the answer.
	return strings.ToValidUTF8(b.String(), "\uFFFD")
}

// scanJSONString scans the string starting with the quote at data[i]. It returns the
// offset just past its closing quote (len(data) when it is not closed), whether it holds
// escapes, and whether one of them is a lone surrogate.
func scanJSONString(data []byte, i int) (end int, esc, lone bool) {
	// q is the next quote at or after j; it is looked for again only once an escape has
	// taken it, so each byte is read a bounded number of times however many escapes there
	// are.
	j, q := i+1, -1
	for {
		if q < j {
			k := bytes.IndexByte(data[j:], '"')
			if k < 0 {
				return len(data), esc, lone
			}
			q = j + k
		}
		b := bytes.IndexByte(data[j:q], '\\')
		if b < 0 {
			return q + 1, esc, lone
		}
		esc = true
		p := j + b + 1 // the byte after the backslash
		if p >= len(data) {
			return len(data), esc, lone
		}
		if data[p] != 'u' {
			j = p + 1
			continue
		}
		r, ok := hex4(data, p+1)
		switch {
		case !ok:
			j = p + 1
		case r >= 0xD800 && r < 0xDC00:
			low, ok := -1, p+6 < len(data) && data[p+5] == '\\' && data[p+6] == 'u'
			if ok {
				low, ok = hex4(data, p+7)
			}
			if !ok || low < 0xDC00 || low >= 0xE000 {
				lone = true
				j = p + 5
			} else {
				j = p + 11
			}
		case r >= 0xDC00 && r < 0xE000:
			lone = true
			j = p + 5
		default:
			j = p + 5
		}
		if j > len(data) {
			return len(data), esc, lone
		}
	}
}

// hex4 reads the four hex digits at data[i:], as in a \u escape.
func hex4(data []byte, i int) (int, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	r := 0
	for _, c := range data[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | int(c)
	}
	return r, true
}

// unescapeKey decodes the quoted key s, or returns its raw text when it is not valid.
func unescapeKey(s []byte) []byte {
	var key string
	if err := json.Unmarshal(s, &key); err != nil {
		return s
	}
	return []byte(key)
}

// firstInvalidUTF8 returns the offset of the first byte of data that is not part of a valid
// UTF-8 sequence.
func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

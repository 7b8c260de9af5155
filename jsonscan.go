package shiftwire

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

var errNotObject = errors.New("not a JSON object")

// jsonScan walks JSON that encoding/json wrote, finding positions without decoding values.
// It checks structure only as far as it needs to stay in bounds.
type jsonScan struct {
	b []byte
	i int
}

func (s *jsonScan) ws() {
	for s.i < len(s.b) && isJSONSpace(s.b[s.i]) {
		s.i++
	}
}

// at reports whether the next value starts with c.
func (s *jsonScan) at(c byte) bool {
	s.ws()
	return s.i < len(s.b) && s.b[s.i] == c
}

// object reads an object, calling member with each key with the scanner at the value,
// which member must consume. It returns the position of the closing brace.
func (s *jsonScan) object(member func(key []byte) error) (end int, empty bool, err error) {
	if !s.at('{') {
		return 0, false, errNotObject
	}
	s.i++
	empty = true
	for {
		s.ws()
		if s.i >= len(s.b) {
			return 0, false, errNotObject
		}
		if s.b[s.i] == '}' {
			end = s.i
			s.i++
			return end, empty, nil
		}
		if !empty {
			if s.b[s.i] != ',' {
				return 0, false, errNotObject
			}
			s.i++
			s.ws()
		}
		empty = false
		start := s.i
		if !s.skipString() {
			return 0, false, errNotObject
		}
		key := s.b[start+1 : s.i-1]
		if s.ws(); s.i >= len(s.b) || s.b[s.i] != ':' {
			return 0, false, errNotObject
		}
		s.i++
		s.ws()
		if err := member(key); err != nil {
			return 0, false, err
		}
	}
}

// array reads an array, calling item with the scanner at each element.
func (s *jsonScan) array(item func() error) error {
	if !s.at('[') {
		return s.skip()
	}
	s.i++
	for n := 0; ; n++ {
		s.ws()
		if s.i >= len(s.b) {
			return errNotObject
		}
		if s.b[s.i] == ']' {
			s.i++
			return nil
		}
		if n > 0 {
			if s.b[s.i] != ',' {
				return errNotObject
			}
			s.i++
		}
		if err := item(); err != nil {
			return err
		}
	}
}

// integer reads an integer value; ok is false, and nothing is consumed, for anything else.
func (s *jsonScan) integer() (int64, bool) {
	j := s.i
	for j < len(s.b) && (s.b[j] == '-' || '0' <= s.b[j] && s.b[j] <= '9') {
		j++
	}
	if j < len(s.b) && (s.b[j] == '.' || s.b[j] == 'e' || s.b[j] == 'E') {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s.b[s.i:j]), 10, 64)
	if err != nil {
		return 0, false
	}
	s.i = j
	return n, true
}

// skipString moves past the string starting at the scanner.
func (s *jsonScan) skipString() bool {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return false
	}
	for s.i++; s.i < len(s.b); s.i++ {
		switch s.b[s.i] {
		case '\\':
			s.i++
		case '"':
			s.i++
			return true
		}
	}
	return false
}

// skip moves past the value starting at the scanner.
func (s *jsonScan) skip() error {
	s.ws()
	if s.i >= len(s.b) {
		return errNotObject
	}
	switch s.b[s.i] {
	case '"':
		if !s.skipString() {
			return errNotObject
		}
		return nil
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if !s.skipString() {
					return errNotObject
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return nil
				}
			}
			s.i++
		}
		return errNotObject
	}
	start := s.i
	for s.i < len(s.b) && !isJSONSpace(s.b[s.i]) && s.b[s.i] != ',' && s.b[s.i] != '}' && s.b[s.i] != ']' {
		s.i++
	}
	if s.i == start {
		return errNotObject
	}
	return nil
}

// appendJSONString appends s as a JSON string, replacing invalid UTF-8 as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

package shiftwire

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The limits of ParseFilter. They keep a hostile ?filter= from costing more than a small,
// bounded amount of memory and stack; real filters are far below them.
const (
	// MaxFilterLength is the longest filter accepted, in bytes. Protime refuses request
	// URIs over 4,096 characters, so a longer filter could not be sent anyway.
	MaxFilterLength = 4096
	// MaxFilterDepth is how deeply parentheses may nest around conditions.
	MaxFilterDepth = 32
)

// ParseFilter parses a ?filter= expression in the grammar documented on Filter.
//
// Keywords (and, or, eq, ge, le, in, true, false) are lower case. Identifiers are ASCII
// letters, digits, '-', '_' and '.', starting with a letter. Strings are single-quoted, a
// doubled quote standing for one quote; integers are an optional '-' and digits that fit an int64.
// Spaces or tabs separate tokens; they are required between two words, numbers or strings
// and optional around parentheses and commas. The operator decides the form of its
// operand: eq, ge and le take a constant, in takes a list.
//
// The result is canonical: an and or or of one element is that element, and parentheses
// that only repeat the precedence of and over or leave no trace, so `(a eq 1 and b eq 2)
// and c eq 3` and `a eq 1 and b eq 2 and c eq 3` give the same Filter.
//
// Any failure is an EInvalid *Error whose reason says what was expected at which
// character position, counted from 0. The empty string is an error too: a missing filter
// means something different from a bad one, and only the caller knows what.
func ParseFilter(s string) (Filter, error) {
	if len(s) > MaxFilterLength {
		return nil, filterError(fmt.Sprintf("the filter is %d bytes long; at most %d are accepted", len(s), MaxFilterLength))
	}
	return parseFilter(s)
}

// parseFilter is ParseFilter without the length limit. Formatting a parsed filter may add
// a few spaces, so the round-trip tests reparse with it.
func parseFilter(s string) (Filter, error) {
	if strings.Trim(s, " \t") == "" {
		return nil, filterError("the filter is empty")
	}
	toks, err := lexFilter(s)
	if err != nil {
		return nil, err
	}
	p := &filterParser{src: s, toks: toks}
	f, err := p.expression()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.expected("and, or or the end of the filter", t)
	}
	return f, nil
}

func filterError(reason string) *Error { return Invalid("invalid filter", reason) }

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokWord
	tokString
	tokInt
	tokLParen
	tokRParen
	tokComma
)

// token is one lexeme of a filter. pos is its byte offset in the source.
type token struct {
	kind tokenKind
	text string // as written
	str  string // the value of a tokString
	num  int64  // the value of a tokInt
	pos  int
}

// keyword reports whether t is the keyword kw; keywords are case-sensitive.
func (t token) keyword(kw string) bool { return t.kind == tokWord && t.text == kw }

// identifier reports whether t is a word that is not a keyword.
func (t token) identifier() bool { return t.kind == tokWord && !filterKeywords[t.text] }

var filterKeywords = map[string]bool{
	"and": true, "or": true, "eq": true, "ge": true, "le": true, "in": true, "true": true, "false": true,
}

// position renders a byte offset of src as a character position for error reasons, which
// users compare with what they typed, not with its UTF-8 encoding.
func position(src string, pos int) string {
	if pos >= len(src) {
		return "at the end of the filter"
	}
	return "at position " + strconv.Itoa(utf8.RuneCountInString(src[:pos]))
}

func isLetter(c byte) bool    { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool     { return '0' <= c && c <= '9' }
func isIdentByte(c byte) bool { return isLetter(c) || isDigit(c) || c == '-' || c == '_' || c == '.' }

// lexFilter splits s into tokens, ending with a tokEOF. It also enforces the spaces between
// words, which the parser could not see any more.
func lexFilter(s string) ([]token, error) {
	var toks []token
	spaced := true // whether whitespace (or the start) precedes the next token
	for i := 0; ; {
		if i == len(s) {
			return append(toks, token{kind: tokEOF, pos: i}), nil
		}
		c := s[i]
		if c == ' ' || c == '\t' {
			i++
			spaced = true
			continue
		}
		start := i
		var t token
		switch {
		case c == '(':
			t, i = token{kind: tokLParen, text: "("}, i+1
		case c == ')':
			t, i = token{kind: tokRParen, text: ")"}, i+1
		case c == ',':
			t, i = token{kind: tokComma, text: ","}, i+1
		case isLetter(c):
			for i < len(s) && isIdentByte(s[i]) {
				i++
			}
			t = token{kind: tokWord, text: s[start:i]}
		case c == '\'':
			var b strings.Builder
			for i++; ; i++ {
				if i == len(s) {
					return nil, filterError("the string starting " + position(s, start) + " has no closing quote")
				}
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i++
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
			}
			t = token{kind: tokString, text: s[start:i], str: b.String()}
		case c == '-' || isDigit(c):
			if c == '-' {
				i++
			}
			digits := i
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			if i == digits {
				return nil, filterError("expected digits after - " + position(s, i))
			}
			if i < len(s) && isIdentByte(s[i]) {
				for i < len(s) && isIdentByte(s[i]) {
					i++
				}
				return nil, filterError(fmt.Sprintf("%s %s is not an integer; an identifier starts with a letter", quote(s[start:i]), position(s, start)))
			}
			n, err := strconv.ParseInt(s[start:i], 10, 64)
			if err != nil {
				return nil, filterError(fmt.Sprintf("the integer %s %s does not fit in 64 bits", quote(s[start:i]), position(s, start)))
			}
			t = token{kind: tokInt, text: s[start:i], num: n}
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			return nil, filterError(fmt.Sprintf("unexpected character %s %s", quote(s[i:i+size]), position(s, start)))
		}
		t.pos = start
		if n := len(toks); n > 0 && !spaced && wordLike(toks[n-1].kind) && wordLike(t.kind) {
			return nil, filterError(fmt.Sprintf("expected a space between %s and %s %s", quote(toks[n-1].text), quote(t.text), position(s, start)))
		}
		toks = append(toks, t)
		spaced = false
	}
}

// wordLike reports whether tokens of kind k need a space between them and their neighbours
// of the same sort: without it `eq'x'` or `1and` would be ambiguous to the eye.
func wordLike(k tokenKind) bool { return k == tokWord || k == tokString || k == tokInt }

type filterParser struct {
	src   string
	toks  []token
	i     int
	depth int
}

func (p *filterParser) peek() token { return p.toks[p.i] }

func (p *filterParser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// expected builds the reason for finding t where what was expected.
func (p *filterParser) expected(what string, t token) *Error {
	if t.kind == tokEOF {
		return filterError("expected " + what + " " + position(p.src, t.pos))
	}
	return filterError(fmt.Sprintf("expected %s %s, found %s", what, position(p.src, t.pos), quote(t.text)))
}

// expression = term { "or" term }.
func (p *filterParser) expression() (Filter, error) {
	var terms []Filter
	for {
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		if or, ok := t.(*FilterOr); ok {
			terms = append(terms, or.Terms...)
		} else {
			terms = append(terms, t)
		}
		if !p.peek().keyword("or") {
			break
		}
		p.next()
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return &FilterOr{Terms: terms}, nil
}

// term = condition { "and" condition }.
func (p *filterParser) term() (Filter, error) {
	var conds []Filter
	for {
		c, err := p.condition()
		if err != nil {
			return nil, err
		}
		if and, ok := c.(*FilterAnd); ok {
			conds = append(conds, and.Conditions...)
		} else {
			conds = append(conds, c)
		}
		if !p.peek().keyword("and") {
			break
		}
		p.next()
	}
	if len(conds) == 1 {
		return conds[0], nil
	}
	return &FilterAnd{Conditions: conds}, nil
}

// condition = simple-condition | "(" expression ")".
// simple-condition = identifier rel-op factor.
func (p *filterParser) condition() (Filter, error) {
	t := p.peek()
	if t.kind == tokLParen {
		if p.depth == MaxFilterDepth {
			return nil, filterError(fmt.Sprintf("parentheses nest more than %d deep %s", MaxFilterDepth, position(p.src, t.pos)))
		}
		p.depth++
		p.next()
		e, err := p.expression()
		if err != nil {
			return nil, err
		}
		if t := p.next(); t.kind != tokRParen {
			return nil, p.expected("and, or or )", t)
		}
		p.depth--
		return e, nil
	}
	if !t.identifier() {
		return nil, p.expected("a field name or (", t)
	}
	p.next()
	c := &FilterCondition{Field: t.text}
	op := p.next()
	switch {
	case op.keyword("eq"), op.keyword("ge"), op.keyword("le"):
		c.Op = FilterOp(op.text)
		v, err := p.constant()
		if err != nil {
			return nil, err
		}
		c.Values = []FilterValue{v}
	case op.keyword("in"):
		c.Op = OpIn
		if err := p.list(c); err != nil {
			return nil, err
		}
	default:
		return nil, p.expected("an operator (eq, ge, le, in)", op)
	}
	return c, nil
}

// constant = integer | string | bool.
func (p *filterParser) constant() (FilterValue, error) {
	t := p.next()
	switch {
	case t.kind == tokString:
		return FilterValue{Kind: FilterString, Str: t.str}, nil
	case t.kind == tokInt:
		return FilterValue{Kind: FilterInteger, Int: t.num}, nil
	case t.keyword("true"), t.keyword("false"):
		return FilterValue{Kind: FilterBool, Bool: t.text == "true"}, nil
	}
	return FilterValue{}, p.expected("a value (a quoted string, an integer, true or false)", t)
}

// list = [identifier] "(" constant { "," constant } ")".
func (p *filterParser) list(c *FilterCondition) error {
	if t := p.peek(); t.identifier() {
		c.ListName = t.text
		p.next()
	}
	if t := p.next(); t.kind != tokLParen {
		return p.expected("a list such as (1,2) after in", t)
	}
	for {
		v, err := p.constant()
		if err != nil {
			return err
		}
		c.Values = append(c.Values, v)
		t := p.next()
		if t.kind == tokRParen {
			return nil
		}
		if t.kind != tokComma {
			return p.expected(", or )", t)
		}
	}
}

// FormatFilter renders f in the grammar ParseFilter reads, so that parsing the result gives
// f again. It adds parentheses only where or must bind tighter than and.
func FormatFilter(f Filter) string {
	var b strings.Builder
	formatFilter(&b, f)
	return b.String()
}

func formatFilter(b *strings.Builder, f Filter) {
	switch f := f.(type) {
	case *FilterOr:
		if f == nil {
			return
		}
		for i, t := range f.Terms {
			if i > 0 {
				b.WriteString(" or ")
			}
			_, nested := t.(*FilterOr)
			formatGroup(b, t, nested)
		}
	case *FilterAnd:
		if f == nil {
			return
		}
		for i, c := range f.Conditions {
			if i > 0 {
				b.WriteString(" and ")
			}
			_, or := c.(*FilterOr)
			_, and := c.(*FilterAnd)
			formatGroup(b, c, or || and)
		}
	case *FilterCondition:
		if f == nil {
			return
		}
		b.WriteString(f.Field)
		b.WriteByte(' ')
		b.WriteString(string(f.Op))
		b.WriteByte(' ')
		if f.Op != OpIn && len(f.Values) == 1 {
			formatValue(b, f.Values[0])
			return
		}
		b.WriteString(f.ListName)
		b.WriteByte('(')
		for i, v := range f.Values {
			if i > 0 {
				b.WriteByte(',')
			}
			formatValue(b, v)
		}
		b.WriteByte(')')
	}
}

func formatGroup(b *strings.Builder, f Filter, parens bool) {
	if parens {
		b.WriteByte('(')
	}
	formatFilter(b, f)
	if parens {
		b.WriteByte(')')
	}
}

func formatValue(b *strings.Builder, v FilterValue) {
	switch v.Kind {
	case FilterInteger:
		b.WriteString(strconv.FormatInt(v.Int, 10))
	case FilterBool:
		b.WriteString(strconv.FormatBool(v.Bool))
	default:
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(v.Str, "'", "''"))
		b.WriteByte('\'')
	}
}

// String renders the alternatives in the filter grammar.
func (f *FilterOr) String() string { return FormatFilter(f) }

// String renders the conditions in the filter grammar.
func (f *FilterAnd) String() string { return FormatFilter(f) }

// String renders the condition in the filter grammar, e.g. `status eq 'Enabled'`.
func (c *FilterCondition) String() string { return FormatFilter(c) }

// String renders the constant as it is written in a filter: 'text', 12 or true.
func (v FilterValue) String() string {
	var b strings.Builder
	formatValue(&b, v)
	return b.String()
}

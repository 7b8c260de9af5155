package shiftwire

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// ChangeLine is one line of a POST /changes body, decoded and checked on its own:
// {"collection":"clockings","changeType":"InsertOrUpdate","data":{...}}.
type ChangeLine struct {
	// Line is the line's number, from 1: the line of an NDJSON body, the element of an array.
	Line       int
	Collection string
	Type       ChangeType
	Record     Record // the object to save, for InsertOrUpdate
	// ID is the object to delete, for Delete; for an InsertOrUpdate line with problems, the
	// id its data names, if any.
	ID int64
	// Problems are the line's own problems, found without the store and named as in the
	// line ("changeType", "person.id"; ReadChanges' errors add "line 7: "). A line with
	// problems is never written: ApplyChanges reports them with its missing references.
	Problems ValidationErrors

	data []byte // the data of an InsertOrUpdate line with problems, for its references
}

// The limits of a POST /changes body, besides its size.
const (
	// MaxChangeLines is the most lines one request may hold.
	MaxChangeLines = 1_000_000
	// MaxChangeLineBytes is the longest line of an NDJSON body: what one object's own
	// write request may send.
	MaxChangeLineBytes = 1 << 20
	// maxBulkProblems is the most problems one answer lists; a body with more is cut short
	// there, since the first hundred tell what is wrong.
	maxBulkProblems = 100
)

// ReadChanges reads the body of POST /changes: a JSON array of change lines, or NDJSON, one
// change line per line (blank lines are skipped). A body whose first character other than
// white space is '[' is an array. The body is decoded as a stream, one line at a time, and
// every line is checked with its collection's rules except references to other objects,
// which need the store (ApplyChanges checks them).
//
// Problems are ValidationErrors whose fields name the line, "line 7: person.id", at most
// 100 of them; broken JSON ends the reading at the line it is on. An error reading r is
// returned as it is.
//
// mayWrite, when not nil, says whether the caller may write a collection. The first line
// whose collection it refuses ends the reading there, without reading the rest of r: the
// answer is then the problems of the lines up to that one, if any, or else mayWrite's error.
//
// ReadChanges answers a body with problems without the references of its lines; an answer
// that lists those too, in the same list, comes from ReadChangeLines and ApplyChanges.
func ReadChanges(r io.Reader, mayWrite func(collection string) error) ([]ChangeLine, error) {
	lines, err := ReadChangeLines(r, mayWrite)
	if err != nil {
		return nil, err
	}
	if problems := LineProblems(lines); problems != nil {
		return nil, problems
	}
	return lines, nil
}

// ReadChangeLines reads a POST /changes body as ReadChanges does, but returns the lines
// with problems too, each with its Problems, in the body's order: a problem that ends the
// reading, such as broken JSON, is the last line's. Handed to ApplyChanges, they are
// reported with the references of every line to missing objects, in one list. Its error is
// one reading r, or mayWrite's refusal when no line up to the refused one has problems.
func ReadChangeLines(r io.Reader, mayWrite func(collection string) error) ([]ChangeLine, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if err := skipSpaceAndBOM(br); err == io.EOF {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	cr := newChangeReader()
	cr.mayWrite = mayWrite
	var err error
	if first, _ := br.Peek(1); len(first) == 1 && first[0] == '[' {
		err = cr.readArray(br)
	} else {
		err = cr.readNDJSON(br)
	}
	lines := cr.finish()
	if err != nil {
		return nil, err
	}
	if cr.denied != nil && LineProblems(lines) == nil {
		return nil, cr.denied
	}
	return lines, nil
}

// LineProblems returns the problems lines have of their own, named with their line
// ("line 7: person.id"), in line order, at most 100; nil when they have none.
func LineProblems(lines []ChangeLine) ValidationErrors {
	var problems ValidationErrors
	for _, l := range lines {
		for _, p := range l.Problems {
			if len(problems) == maxBulkProblems {
				return problems
			}
			problems = append(problems, ValidationError{Field: lineField(l.Line, p.Field), Message: p.Message})
		}
	}
	return problems
}

func skipSpaceAndBOM(br *bufio.Reader) error {
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	for {
		b, err := br.ReadByte()
		if err != nil {
			return err
		}
		if !isJSONSpace(b) {
			return br.UnreadByte()
		}
	}
}

func isJSONSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// changeReader collects the lines of one body. It decodes them on every processor while
// it reads on: lines are independent, and decoding them is most of the work of reading a
// bulk load.
type changeReader struct {
	jobs    chan *changeChunk
	workers sync.WaitGroup
	chunks  []*changeChunk // in the body's order
	cur     *changeChunk
	ended   []ChangeLine // the lines of the reader's own problems, which end the reading, so come last

	mayWrite func(collection string) error
	allowed  []string // the collections mayWrite allowed
	denied   error    // what mayWrite answered for the line that ended the reading
}

// changeChunk is a run of lines decoded together.
type changeChunk struct {
	nums  []int
	raws  [][]byte
	lines []ChangeLine
}

const changeChunkLines = 256

func newChangeReader() *changeReader {
	n := runtime.GOMAXPROCS(0)
	cr := &changeReader{jobs: make(chan *changeChunk, 2*n)}
	for range n {
		cr.workers.Add(1)
		go func() {
			defer cr.workers.Done()
			for c := range cr.jobs {
				c.decode()
			}
		}()
	}
	return cr
}

func (c *changeChunk) decode() {
	c.lines = make([]ChangeLine, len(c.raws))
	for i, raw := range c.raws {
		c.lines[i] = decodeChangeLine(raw)
		c.lines[i].Line = c.nums[i]
	}
	c.raws = nil
}

// finish waits for the decoding and returns every line, in the body's order.
func (cr *changeReader) finish() []ChangeLine {
	cr.flush()
	close(cr.jobs)
	cr.workers.Wait()
	n := len(cr.ended)
	for _, c := range cr.chunks {
		n += len(c.lines)
	}
	lines := make([]ChangeLine, 0, n)
	for _, c := range cr.chunks {
		lines = append(lines, c.lines...)
	}
	return append(lines, cr.ended...)
}

func (cr *changeReader) flush() {
	if cr.cur != nil {
		cr.chunks = append(cr.chunks, cr.cur)
		cr.jobs <- cr.cur
		cr.cur = nil
	}
}

func (cr *changeReader) problem(line int, field, format string, args ...any) {
	cr.ended = append(cr.ended, ChangeLine{Line: line, Problems: ValidationErrors{{Field: field, Message: fmt.Sprintf(format, args...)}}})
}

func lineField(line int, field string) string {
	if field == "" {
		return "line " + itoa(line)
	}
	return "line " + itoa(line) + ": " + field
}

// add queues line n, whose bytes it keeps, for decoding; it reports false when the body has
// too many lines to go on.
func (cr *changeReader) add(n int, data []byte) bool {
	if n > MaxChangeLines {
		cr.problem(n, "", "a request may hold at most %d changes; split the load into several requests", MaxChangeLines)
		return false
	}
	if !cr.permitted(n, data) {
		return false
	}
	if cr.cur == nil {
		cr.cur = &changeChunk{nums: make([]int, 0, changeChunkLines), raws: make([][]byte, 0, changeChunkLines)}
	}
	cr.cur.nums = append(cr.cur.nums, n)
	cr.cur.raws = append(cr.cur.raws, data)
	if len(cr.cur.nums) == changeChunkLines {
		cr.flush()
	}
	return true
}

// permitted reports whether the caller may write the collection of line n. A line it may
// not write ends the reading; the line is decoded at once, so that its own problems come
// before the missing scope, as every other line's do.
func (cr *changeReader) permitted(n int, data []byte) bool {
	if cr.mayWrite == nil {
		return true
	}
	name, ok := lineCollection(data)
	if !ok || slices.Contains(cr.allowed, name) {
		return true
	}
	if _, known := CollectionByName(name); !known {
		return true // the decoding says it is unknown
	}
	if err := cr.mayWrite(name); err != nil {
		// Its own problems only: the references of a line the caller may not write are
		// not looked up.
		if problems := decodeChangeLine(data).Problems; len(problems) > 0 {
			cr.ended = append(cr.ended, ChangeLine{Line: n, Problems: problems})
		}
		cr.denied = err
		return false
	}
	cr.allowed = append(cr.allowed, name)
	return true
}

// lineCollection returns the "collection" member of a change line without decoding the
// line: it skips the members before it, usually none. ok is false when the line does not
// read as an object with a string there; the decoding then says what is wrong.
func lineCollection(data []byte) (name string, ok bool) {
	i := skipJSONSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return "", false
	}
	for i++; ; i++ {
		i = skipJSONSpace(data, i)
		if i >= len(data) || data[i] != '"' {
			return "", false
		}
		end, esc, _ := scanJSONString(data, i)
		key, ok := jsonString(data[i:end], esc)
		if !ok {
			return "", false
		}
		i = skipJSONSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return "", false
		}
		i = skipJSONSpace(data, i+1)
		if key == "collection" {
			if i >= len(data) || data[i] != '"' {
				return "", false
			}
			end, esc, _ := scanJSONString(data, i)
			return jsonString(data[i:end], esc)
		}
		i = skipJSONSpace(data, skipJSONValue(data, i))
		if i >= len(data) || data[i] != ',' {
			return "", false
		}
	}
}

// jsonString decodes the quoted JSON string s, which holds escapes when esc is set.
func jsonString(s []byte, esc bool) (string, bool) {
	if len(s) < 2 || s[len(s)-1] != '"' {
		return "", false
	}
	if !esc {
		return string(s[1 : len(s)-1]), true
	}
	var v string
	if json.Unmarshal(s, &v) != nil {
		return "", false
	}
	return v, true
}

func skipJSONSpace(data []byte, i int) int {
	for i < len(data) && isJSONSpace(data[i]) {
		i++
	}
	return i
}

// skipJSONValue returns the offset just past the value starting at data[i], or where it
// stops making sense.
func skipJSONValue(data []byte, i int) int {
	depth := 0
	for i < len(data) {
		switch data[i] {
		case '"':
			i, _, _ = scanJSONString(data, i)
			if depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return i
}

func (cr *changeReader) readNDJSON(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxChangeLineBytes+2)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if !cr.add(n, bytes.Clone(line)) {
			return nil
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		cr.problem(n+1, "", "is longer than %d bytes", MaxChangeLineBytes)
	} else if err != nil {
		return err
	}
	return nil
}

func (cr *changeReader) readArray(r io.Reader) error {
	dec := json.NewDecoder(r)
	if _, err := dec.Token(); err != nil { // the '['
		return err
	}
	n := 0
	for dec.More() {
		n++
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return cr.brokenJSON(n, err)
		}
		if !cr.add(n, raw) {
			return nil
		}
	}
	if _, err := dec.Token(); err != nil { // the ']'
		return cr.brokenJSON(n+1, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil || isJSONSyntaxError(err) {
			cr.problem(n+1, "", "the body continues after the array ends")
			return nil
		}
		return err
	}
	return nil
}

// brokenJSON records that the array is not valid JSON at line n, or returns err when it is
// a failure to read the body.
func (cr *changeReader) brokenJSON(n int, err error) error {
	if !isJSONSyntaxError(err) {
		return err
	}
	msg := err.Error()
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		msg = fmt.Sprintf("%s (at byte %d of the body)", se.Error(), se.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		msg = "the body ends before the array is closed"
	}
	cr.problem(n, "", "is not valid JSON: %s; reading stopped here", msg)
	return nil
}

func isJSONSyntaxError(err error) bool {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	return errors.As(err, &se) || errors.As(err, &te) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

var changeTypes = []string{string(InsertOrUpdate), string(Delete)}

// decodeChangeLine decodes one change line; its problems are named as in the line, with
// the fields of data named as in the object ("person.id"). An InsertOrUpdate line whose
// data breaks its collection's rules keeps the data, for ApplyChanges to read its
// references from.
func decodeChangeLine(data []byte) ChangeLine {
	fail := func(errs ValidationErrors) ChangeLine { return ChangeLine{Problems: errs} }
	if p, ok := strictJSON(data); !ok {
		p.Field = strings.TrimPrefix(p.Field, "data.")
		return fail(ValidationErrors{p})
	}
	f, errs := parseFields(data)
	if errs != nil {
		return fail(ValidationErrors{{Message: `must be a JSON object: {"collection":"...","changeType":"InsertOrUpdate","data":{...}}`}})
	}
	name, okName := f.String("collection", true)
	typ, okType := readEnum(f, "changeType", true, changeTypes...)
	raw, okData := f.raw("data", true)
	var t *CollectionType
	if okName {
		if t, okName = CollectionByName(name); !okName {
			f.Fail("collection", "unknown collection name %s", quote(name))
		}
	}
	if err := f.Done(); err != nil || !okName || !okType || !okData {
		return fail(f.Errs())
	}
	line := ChangeLine{Collection: t.Name, Type: ChangeType(typ)}
	if line.Type == Delete {
		d, errs := parseFields(raw)
		if errs != nil {
			return fail(ValidationErrors{{Field: "data", Message: "must be an object holding the id to delete"}})
		}
		d.Ignore("changeVersion")
		id, ok := d.Int("id", true)
		if ok && (id < 1 || id > MaxObjectID) {
			d.Fail("id", "must be an integer from 1 to %d", MaxObjectID)
		}
		if err := d.Done(); err != nil {
			return fail(d.Errs())
		}
		line.ID = id
		return line
	}
	d, errs := parseFields(raw)
	if errs != nil {
		return fail(ValidationErrors{{Field: "data", Message: "must be an object"}})
	}
	rec, err := t.decodeFields(d, 0, true)
	if err != nil {
		var verrs ValidationErrors
		if !errors.As(err, &verrs) {
			return fail(ValidationErrors{{Field: "data", Message: err.Error()}})
		}
		for i := range verrs {
			if verrs[i].Field == "" {
				verrs[i] = ValidationError{Field: "data", Message: "must be an object"}
			}
		}
		line.Problems, line.data, line.ID = verrs, raw, bodyID(raw)
		return line
	}
	line.Record = rec
	return line
}

// bodyID returns the id a write body names, 0 when it names none that an object may have.
func bodyID(data []byte) int64 {
	raw, err := jsonPath(data, []string{"id"})
	if err != nil || raw == nil {
		return 0
	}
	var id int64
	if json.Unmarshal(raw, &id) != nil || id < 1 || id > MaxObjectID {
		return 0
	}
	return id
}

// RequireAnyWriteScope returns an insufficient_scope AuthError unless p holds the write
// scope of at least one collection. POST /changes checks it before reading its body: a
// caller that may write nothing has nothing to send, and no reason to make the server read
// up to 64 MiB first. The error's scope lists the collections' write scopes.
func RequireAnyWriteScope(p *Principal) error {
	scopes := make([]string, len(collectionTypes))
	for i, t := range collectionTypes {
		scopes[i] = WriteScope(t.Name)
		if p.HasScope(scopes[i]) {
			return nil
		}
	}
	return &AuthError{Reason: AuthInsufficientScope, Scope: strings.Join(scopes, " "),
		Description: "the access token holds no collection's write scope; each line of a bulk request needs the write scope of its collection"}
}

// ChangeCollections returns the collections lines write, sorted: a caller needs the write
// scope of each. Lines with problems write nothing and are left out.
func ChangeCollections(lines []ChangeLine) []string {
	var names []string
	for _, l := range lines {
		if len(l.Problems) == 0 && !slices.Contains(names, l.Collection) {
			names = append(names, l.Collection)
		}
	}
	slices.Sort(names)
	return names
}

// ApplyChanges writes lines in order in one transaction of tenantID: all of them or, when
// any fails, none. A line that refers to a missing object, or deletes one, fails with
// ValidationErrors naming it ("line 7: person.id"); the lines after it are still checked, so
// one answer lists up to 100 problems. Lines with Problems (from ReadChangeLines) fail with
// them and with their references to missing objects, together; an object such a line would
// have written is taken to exist for the lines after it. Absence groups saved by any line
// are re-saved together at the end, once.
func ApplyChanges(ctx context.Context, s Store, tenantID int64, lines []ChangeLine) (WriteSummary, error) {
	return WriteObjects(ctx, s, tenantID, func(w *ObjectWriter) error {
		var problems ValidationErrors
		for i := range lines {
			l := &lines[i]
			var err error
			switch {
			case len(l.Problems) > 0 && l.data == nil:
				err = l.Problems
			case len(l.Problems) > 0:
				err = w.Reject(ctx, l.Collection, l.ID, l.data, l.Problems)
			case l.Type == Delete:
				err = w.Delete(ctx, l.Collection, l.ID)
			default:
				_, _, err = w.Put(ctx, l.Record)
			}
			if err == nil {
				continue
			}
			var verrs ValidationErrors
			var e *Error
			switch {
			case errors.As(err, &verrs):
				for _, v := range verrs {
					problems = append(problems, ValidationError{Field: lineField(l.Line, v.Field), Message: v.Message})
				}
			case errors.As(err, &e) && l.Type == Delete:
				problems = append(problems, ValidationError{Field: lineField(l.Line, "id"), Message: e.Error()})
			case errors.As(err, &e):
				problems = append(problems, ValidationError{Field: lineField(l.Line, ""), Message: e.Error()})
			default:
				return err
			}
			if len(problems) >= maxBulkProblems {
				problems = problems[:maxBulkProblems]
				break
			}
		}
		return problems.Err()
	})
}

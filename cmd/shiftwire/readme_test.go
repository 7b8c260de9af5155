//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The README promises that its examples work by copy and paste, in order, on a fresh clone on
// any day. TestReadme holds it to that: it runs the README's shell blocks from the Quickstart
// on, in one bash process, against a dev server, and compares every JSON answer the README
// shows with the one the run printed.

// readmeSkip, on the line before a ```sh block, keeps the block out of the run: the commands
// that start the server or the tests themselves, and the PostgreSQL set-up.
const readmeSkip = "<!-- readme-test: skip -->"

// readmeRunTimeout bounds the whole run: a few seconds of commands, the sleeps the README asks
// for, a short simulation and the build of the example receiver.
const readmeRunTimeout = 5 * time.Minute

// readmeBlock is one ```sh block of the README that runs, with the answers shown right after
// it.
type readmeBlock struct {
	line    int    // the line of its opening fence, counted from 1
	script  string // the commands, as the README shows them
	answers []readmeAnswer
}

// readmeAnswer is a ```json or ```http block that directly follows a ```sh block (or another
// such answer): what the commands printed in a real run. Plain ``` blocks, such as a
// receiver's log, are not compared.
type readmeAnswer struct {
	line   int
	kind   string // "json" or "http"
	text   string
	status int // the status code of an http answer
}

// readmeBlocks returns the ```sh blocks from the "## Quickstart" heading on, except those
// marked with readmeSkip, each with its answers.
func readmeBlocks(md string) ([]readmeBlock, error) {
	lines := strings.Split(md, "\n")
	var blocks []readmeBlock
	started, skip := false, false
	for i := 0; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], "\r")
		switch {
		case strings.HasPrefix(l, "## Quickstart"):
			started = true
		case strings.TrimSpace(l) == readmeSkip:
			skip = true
			continue
		}
		if !strings.HasPrefix(l, "```") {
			if strings.TrimSpace(l) != "" {
				skip = false // a skip mark applies only to the block right after it
			}
			continue
		}
		lang := strings.TrimPrefix(l, "```")
		body, end, err := fencedBody(lines, i)
		if err != nil {
			return nil, err
		}
		if lang != "sh" || !started || skip {
			skip = false
			i = end
			continue
		}
		b := readmeBlock{line: i + 1, script: body}
		// The answers start on the line right after the closing fence.
		for end+1 < len(lines) && strings.HasPrefix(lines[end+1], "```") && lines[end+1] != "```sh" {
			start := end + 1
			lang := strings.TrimPrefix(strings.TrimRight(lines[start], "\r"), "```")
			text, close, err := fencedBody(lines, start)
			if err != nil {
				return nil, err
			}
			if lang == "json" || lang == "http" {
				a := readmeAnswer{line: start + 1, kind: lang, text: text}
				if lang == "http" {
					if a.status, err = httpStatus(text); err != nil {
						return nil, fmt.Errorf("README line %d: %w", start+1, err)
					}
				}
				b.answers = append(b.answers, a)
			}
			end = close
		}
		blocks = append(blocks, b)
		skip = false
		i = end
	}
	if !started {
		return nil, fmt.Errorf("no \"## Quickstart\" heading")
	}
	return blocks, nil
}

// fencedBody returns the text between the fence that opens on line open and the fence that
// closes it, and the index of the closing line.
func fencedBody(lines []string, open int) (string, int, error) {
	for j := open + 1; j < len(lines); j++ {
		if strings.TrimRight(lines[j], "\r") == "```" {
			return strings.Join(lines[open+1:j], "\n"), j, nil
		}
	}
	return "", 0, fmt.Errorf("README line %d: a ``` block that is never closed", open+1)
}

var httpStatusLine = regexp.MustCompile(`(?m)^HTTP/[0-9.]+ ([0-9]{3})\b`)

// httpStatus returns the status code of the last HTTP status line in text.
func httpStatus(text string) (int, error) {
	m := httpStatusLine.FindAllStringSubmatch(text, -1)
	if len(m) == 0 {
		return 0, fmt.Errorf("no HTTP status line")
	}
	return strconv.Atoi(m[len(m)-1][1])
}

// jsonValues returns the JSON objects and arrays in out, in order: those that begin a line and
// those that follow another one directly, as curl prints answers without a newline. A JSON
// object inside a log line, such as the one a receiver prints after the date, is not an
// answer and is left out.
func jsonValues(out string) []any {
	var values []any
	atStart := true
	for i := 0; i < len(out); {
		c := out[i]
		if atStart && (c == '{' || c == '[') {
			dec := json.NewDecoder(strings.NewReader(out[i:]))
			var v any
			if err := dec.Decode(&v); err == nil {
				values = append(values, v)
				i += int(dec.InputOffset())
				continue // the next value may follow at once
			}
		}
		atStart = c == '\n' || c == '\r'
		i++
	}
	return values
}

// shapeProblems compares an answer the README shows, want, with the one a run printed, got:
// the same keys at the top level and in the first item of "value", the same "status" and
// "outcome" values where want has them, and an empty "value" list in both or in neither.
// Ids, times and versions may differ from run to run; the shape may not.
func shapeProblems(want, got any) []string {
	var problems []string
	compare := func(where string, w, g any) {
		wm, wok := w.(map[string]any)
		gm, gok := g.(map[string]any)
		if !wok || !gok {
			if reflect.TypeOf(w) != reflect.TypeOf(g) {
				problems = append(problems, fmt.Sprintf("%s: the README shows %s, the run printed %s", where, jsonText(w), jsonText(g)))
			}
			return
		}
		if wk, gk := sortedKeys(wm), sortedKeys(gm); !slices.Equal(wk, gk) {
			problems = append(problems, fmt.Sprintf("%s: the README shows the keys %v, the run printed %v", where, wk, gk))
		}
		for _, k := range []string{"status", "outcome"} {
			if wv, ok := wm[k]; ok && !reflect.DeepEqual(wv, gm[k]) {
				problems = append(problems, fmt.Sprintf("%s: the README shows %q: %s, the run printed %s", where, k, jsonText(wv), jsonText(gm[k])))
			}
		}
	}
	compare("top level", want, got)
	wm, _ := want.(map[string]any)
	gm, _ := got.(map[string]any)
	wv, wok := wm["value"].([]any)
	gv, gok := gm["value"].([]any)
	switch {
	case !wok || !gok:
	case len(wv) == 0 && len(gv) != 0:
		problems = append(problems, fmt.Sprintf("value: the README shows an empty list, the run printed %d items", len(gv)))
	case len(wv) != 0 && len(gv) == 0:
		problems = append(problems, "value: the README shows items, the run printed an empty list")
	case len(wv) != 0:
		compare("value[0]", wv[0], gv[0])
	}
	return problems
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// answerProblems compares the answers a block shows with what the block printed, out. The
// README may leave out what a block prints first (a write before the read it shows), so the
// answers are compared with the last values printed.
func answerProblems(b readmeBlock, out string) []string {
	var problems []string
	got := jsonValues(out)
	var want []any
	for _, a := range b.answers {
		text := a.text
		if a.kind == "http" {
			status, err := httpStatus(out)
			if err != nil {
				problems = append(problems, fmt.Sprintf("README line %d shows an HTTP answer; the run printed none", a.line))
			} else if status != a.status {
				problems = append(problems, fmt.Sprintf("README line %d shows status %d; the run got %d", a.line, a.status, status))
			}
			if _, body, ok := strings.Cut(text, "\n\n"); ok {
				text = body
			} else {
				text = ""
			}
		}
		values := jsonValues(text)
		if len(values) == 0 && strings.TrimSpace(text) != "" {
			problems = append(problems, fmt.Sprintf("README line %d: the answer shown is not JSON", a.line))
		}
		want = append(want, values...)
	}
	if len(got) < len(want) {
		return append(problems, fmt.Sprintf("the README shows %d JSON answers after it; the run printed %d", len(want), len(got)))
	}
	got = got[len(got)-len(want):]
	for i := range want {
		for _, p := range shapeProblems(want[i], got[i]) {
			problems = append(problems, fmt.Sprintf("answer %d of %d: %s", i+1, len(want), p))
		}
	}
	return problems
}

// readmeRun is a dev server and a directory to run the README's blocks in.
type readmeRun struct {
	dir     string            // the working directory, a copy of the clone's layout
	env     []string          // the environment of bash
	rewrite *strings.Replacer // the README's addresses to the test's
}

// readmeMarker separates the output of one block from the next.
func readmeMarker(i int) string { return fmt.Sprintf("@@@@ readme block %d @@@@", i) }

// run runs blocks in order in one bash process that stops at the first command that fails,
// and returns what is wrong: a command that failed, a block that did not run, an answer whose
// shape differs from the README's.
func (r *readmeRun) run(ctx context.Context, blocks []readmeBlock) ([]string, error) {
	var script strings.Builder
	// set -e stops at the first failing command; the trap names it.
	script.WriteString("set -e\ntrap 'echo \"readme-test: exit status $? from: $BASH_COMMAND\" >&2' ERR\n")
	for i, b := range blocks {
		fmt.Fprintf(&script, "printf '\\n%s\\n'\n%s\n", readmeMarker(i), r.rewrite.Replace(b.script))
	}
	fmt.Fprintf(&script, "printf '\\n%s\\n'\n", readmeMarker(len(blocks)))
	// What the README leaves running stops with the run.
	script.WriteString("set +e\nkill $(jobs -p) 2>/dev/null\nwait\n")

	// Files rather than pipes: a background process that outlives bash cannot hold up Wait.
	stdout, err := os.CreateTemp(r.dir, "readme-stdout")
	if err != nil {
		return nil, err
	}
	defer stdout.Close()
	stderrFile, err := os.CreateTemp(r.dir, "readme-stderr")
	if err != nil {
		return nil, err
	}
	defer stderrFile.Close()
	ctx, cancel := context.WithTimeout(ctx, readmeRunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = r.dir, r.env, stdout, stderrFile
	// Its own process group, so that the receivers and listen it starts in the background are
	// killed with it, whatever happens.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	runErr := cmd.Wait()
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if ctx.Err() != nil {
		runErr = fmt.Errorf("stopped after %v: %w", readmeRunTimeout, runErr)
	}
	outBytes, err := os.ReadFile(stdout.Name())
	if err != nil {
		return nil, err
	}
	errBytes, err := os.ReadFile(stderrFile.Name())
	if err != nil {
		return nil, err
	}
	out, stderr := string(outBytes), string(errBytes)

	var problems []string
	for i, b := range blocks {
		_, after, ok := strings.Cut(out, "\n"+readmeMarker(i)+"\n")
		if !ok {
			problems = append(problems, fmt.Sprintf("README line %d: the block did not run", b.line))
			break
		}
		own, _, finished := strings.Cut(after, "\n"+readmeMarker(i+1)+"\n")
		if !finished {
			problems = append(problems, fmt.Sprintf("README line %d: the block failed (%v):\n%s\n%s\nits output:\n%s", b.line, runErr, b.script, lastLines(stderr, 20), lastLines(own, 20)))
			break
		}
		for _, p := range answerProblems(b, own) {
			problems = append(problems, fmt.Sprintf("README line %d: %s\n%s\nprinted:\n%s", b.line, p, b.script, lastLines(own, 10)))
		}
	}
	if runErr != nil && len(problems) == 0 {
		problems = append(problems, fmt.Sprintf("bash: %v\n%s", runErr, lastLines(stderr, 20)))
	}
	return problems, nil
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// newReadmeRun starts a dev server and prepares a directory that looks like a fresh clone
// with the binary built in it: the repository's top-level entries are linked into the
// directory that holds the shiftwire binary, so that files the README writes (the database,
// the receiver, the delta's pages) stay out of the repository. The README's loopback
// addresses are rewritten to the server's and to free ports, and the client commands are
// pointed at the server with SHIFTWIRE_SERVER, the variable the README leaves at its default.
func newReadmeRun(t *testing.T, blocks []readmeBlock) *readmeRun {
	t.Helper()
	bin := buildBinary(t)
	dir := filepath.Dir(bin)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if name == "shiftwire" || name == "receiver" || strings.HasPrefix(name, "shiftwire.db") || name == ".git" {
			continue
		}
		if err := os.Symlink(filepath.Join(root, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	s := startServer(t, filepath.Join(dir, "shiftwire.db"), "--dev")
	_, port, _ := net.SplitHostPort(s.addr)

	pairs := []string{"127.0.0.1:8080", s.addr, "localhost:8080", "localhost:" + port}
	seen := map[string]bool{"127.0.0.1:8080": true}
	for _, b := range blocks {
		for _, addr := range loopbackAddr.FindAllString(b.script, -1) {
			if !seen[addr] {
				seen[addr] = true
				pairs = append(pairs, addr, freeLoopbackAddr(t))
			}
		}
	}
	env := []string{"SHIFTWIRE_SERVER=http://" + s.addr}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SHIFTWIRE_") {
			env = append(env, kv)
		}
	}
	return &readmeRun{dir: dir, env: env, rewrite: strings.NewReplacer(pairs...)}
}

var loopbackAddr = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)

// freeLoopbackAddr returns a loopback address with a port nothing listens on now.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// readmeToRun returns the README, or skips the test with -short or on a machine without the
// programs the README's examples use; .ci/run installs them and sets
// SHIFTWIRE_TEST_README=required, so CI fails rather than skips without them.
func readmeToRun(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the README's examples against a server: not with -short")
	}
	for _, tool := range []string{"bash", "curl", "jq", "sed", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("SHIFTWIRE_TEST_README") == "required" {
				t.Fatalf("the README's examples need %s and SHIFTWIRE_TEST_README=required: %v", tool, err)
			}
			t.Skipf("the README's examples need %s (apt-get install curl jq), or set SHIFTWIRE_TEST_README=required to fail instead: %v", tool, err)
		}
	}
	md, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(md)
}

func TestReadme(t *testing.T) {
	md := readmeToRun(t)
	blocks, err := readmeBlocks(md)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) < 10 {
		t.Fatalf("found %d blocks to run in the README, want the whole walk-through", len(blocks))
	}
	r := newReadmeRun(t, blocks)
	problems, err := r.run(t.Context(), blocks)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// TestReadmeCatchesBrokenExamples runs the README's Quickstart broken in three ways and checks
// that each is reported: a wrong path, a status the server does not answer, a command that
// fails.
func TestReadmeCatchesBrokenExamples(t *testing.T) {
	md := readmeToRun(t)
	quickstart, _, _ := strings.Cut(md, "\n## Write data")
	broken := quickstart
	for _, change := range [][2]string{
		// The list of webhooks, at a path that does not exist.
		{"curl -s http://127.0.0.1:8080/connector/protimeapi/api/v1/webhooks -H", "curl -s http://127.0.0.1:8080/connector/protimeapi/api/v1/webhook -H"},
		// The webhook just created, shown as disabled.
		{`"status":"Enabled","destinationUrl":"http://127.0.0.1:9999/hook","collectionName":"clockings","externalReferences":{"people":["@badge-number"]}}` + "\n```\n\nList",
			`"status":"Disabled","destinationUrl":"http://127.0.0.1:9999/hook","collectionName":"clockings","externalReferences":{"people":["@badge-number"]}}` + "\n```\n\nList"},
		// A tenant without its name.
		{"./shiftwire tenants create acme", "./shiftwire tenants create"},
	} {
		if strings.Count(broken, change[0]) != 1 {
			t.Fatalf("the README's Quickstart no longer holds %q once", change[0])
		}
		broken = strings.Replace(broken, change[0], change[1], 1)
	}
	blocks, err := readmeBlocks(broken)
	if err != nil {
		t.Fatal(err)
	}
	r := newReadmeRun(t, blocks)
	problems, err := r.run(t.Context(), blocks)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(problems, "\n")
	for _, want := range []string{
		`the README shows the keys [value], the run printed [error]`,
		`the README shows "status": "Disabled", the run printed "Enabled"`,
		`the block failed`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no problem says %q; the problems:\n%s", want, all)
		}
	}
}

func TestReadmeBlocks(t *testing.T) {
	md := strings.Join([]string{
		"# Title",
		"```sh",
		"before the quickstart",
		"```",
		"## Quickstart",
		readmeSkip,
		"```sh",
		"skipped",
		"```",
		"```sh",
		"curl one",
		"```",
		"```json",
		`{"a":1}`,
		"```",
		"```",
		"a log line",
		"```",
		"",
		"```sh",
		"curl two",
		"```",
		"",
		"```json",
		`{"not":"an answer: prose or a blank line comes first"}`,
		"```",
		"```sh",
		"curl -si three",
		"```",
		"```http",
		"HTTP/1.1 201 Created",
		"Location: /x",
		"",
		`{"b":2}`,
		"```",
	}, "\n")
	blocks, err := readmeBlocks(md)
	if err != nil {
		t.Fatal(err)
	}
	var scripts []string
	for _, b := range blocks {
		scripts = append(scripts, b.script)
	}
	if want := []string{"curl one", "curl two", "curl -si three"}; !slices.Equal(scripts, want) {
		t.Fatalf("blocks %q, want %q", scripts, want)
	}
	if len(blocks[0].answers) != 1 || blocks[0].answers[0].text != `{"a":1}` || len(blocks[1].answers) != 0 {
		t.Errorf("answers: %+v", blocks)
	}
	if a := blocks[2].answers; len(a) != 1 || a[0].kind != "http" || a[0].status != 201 {
		t.Errorf("http answer: %+v", a)
	}
	if _, err := readmeBlocks("## Quickstart\n```sh\nnever closed\n"); err == nil {
		t.Error("an unclosed block was accepted")
	}
	if _, err := readmeBlocks("# no quickstart\n"); err == nil {
		t.Error("a README without a Quickstart was accepted")
	}
}

func TestJSONValues(t *testing.T) {
	out := "{\"a\":1}{\"b\":[2]}\n2026/12/01 07:41:34 InsertOrUpdate clockings 2027 at 0A {\"id\":2027}\n[1,2]\n{broken\nwc 2027\n{\"c\":3}"
	got := jsonValues(out)
	want := []any{map[string]any{"a": 1.0}, map[string]any{"b": []any{2.0}}, []any{1.0, 2.0}, map[string]any{"c": 3.0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("jsonValues = %v, want %v", got, want)
	}
}

func TestShapeProblems(t *testing.T) {
	parse := func(s string) any {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		want, got string
		problems  int
	}{
		{`{"id":"a","status":"Enabled"}`, `{"id":"b","status":"Enabled"}`, 0},
		{`{"id":"a","status":"Enabled"}`, `{"id":"a","status":"Disabled"}`, 1},
		{`{"id":"a"}`, `{"error":{"code":"NotFound"}}`, 1},
		{`{"value":[]}`, `{"value":[]}`, 0},
		{`{"value":[]}`, `{"value":[{"id":1}]}`, 1},
		{`{"value":[{"id":1}]}`, `{"value":[]}`, 1},
		{`{"value":[{"id":1,"outcome":"Succeeded"}]}`, `{"value":[{"id":2,"outcome":"Succeeded"},{"id":3}]}`, 0},
		{`{"value":[{"id":1,"outcome":"Succeeded"}]}`, `{"value":[{"id":2,"outcome":"ConnectionFailed"}]}`, 1},
		{`{"value":[{"id":1,"statusCode":204}]}`, `{"value":[{"id":2,"error":"refused"}]}`, 1},
		{`[1]`, `{"a":1}`, 1},
	} {
		if p := shapeProblems(parse(tc.want), parse(tc.got)); len(p) != tc.problems {
			t.Errorf("shapeProblems(%s, %s) = %q, want %d problems", tc.want, tc.got, p, tc.problems)
		}
	}
}

func FuzzReadmeBlocks(f *testing.F) {
	f.Add("## Quickstart\n```sh\ncurl\n```\n```json\n{\"a\":1}\n```\n")
	f.Add("## Quickstart\n" + readmeSkip + "\n```sh\nx\n```\n```http\nHTTP/1.1 200 OK\n\n{}\n```\n")
	f.Add("## Quickstart\n```sh\n")
	f.Fuzz(func(t *testing.T, md string) {
		blocks, err := readmeBlocks(md)
		if err != nil {
			return
		}
		for _, b := range blocks {
			// Whatever a block printed, comparing it never panics.
			answerProblems(b, b.script)
			for _, a := range b.answers {
				if a.kind != "json" && a.kind != "http" {
					t.Errorf("an answer of kind %q", a.kind)
				}
			}
		}
	})
}

func FuzzJSONValues(f *testing.F) {
	f.Add("{\"a\":1}{\"b\":2}\nlog {\"c\":3}\n[1]")
	f.Add("{")
	f.Fuzz(func(t *testing.T, out string) {
		for _, v := range jsonValues(out) {
			if _, err := json.Marshal(v); err != nil {
				t.Errorf("a value that does not marshal: %v", err)
			}
			if len(shapeProblems(v, v)) != 0 {
				t.Errorf("a value differs from itself: %s", jsonText(v))
			}
		}
	})
}

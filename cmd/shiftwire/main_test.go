package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/httpapi/openapitest"
)

// The tests in this package are black-box tests: they drive the program through run, as
// main does, and talk to the server over loopback HTTP. The helpers below start and stop
// servers, run admin commands against the same database and make API calls.

// userAgent is sent with every API call unless a test removes it.
const userAgent = "shiftwire-test/1.0"

// env is a fake environment for run: tests never read the real one, so a SHIFTWIRE_*
// variable set on the machine cannot change their outcome.
type env map[string]string

func (e env) getenv(name string) string { return e[name] }

// syncBuffer is a bytes.Buffer that the server's goroutines may write to while a test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runCmd runs one command to completion and returns what it printed.
func runCmd(t *testing.T, e env, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(t.Context(), args, e.getenv, &out, &errOut)
	return out.String(), errOut.String(), err
}

// admin runs an admin command against db and fails the test if it fails.
func admin(t *testing.T, db string, args ...string) string {
	t.Helper()
	out, errOut, err := runCmd(t, nil, append(args, "--db", db)...)
	if err != nil {
		t.Fatalf("shiftwire %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// tempDB returns the path of a database file in a fresh temporary directory.
func tempDB(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "shiftwire.db")
}

// createTenant creates tenant name in db, with timezone when it is not "".
func createTenant(t *testing.T, db, name, timezone string) {
	t.Helper()
	args := []string{"tenants", "create", name}
	if timezone != "" {
		args = append(args, "--timezone", timezone)
	}
	admin(t, db, args...)
}

// testClient is what clients create prints.
type testClient struct {
	Tenant       string   `json:"-"`
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret"`
	Scopes       []string `json:"scopes"`
}

// addClient creates a client of tenant in db holding scopes.
func addClient(t *testing.T, db, tenant string, scopes ...string) testClient {
	t.Helper()
	out := admin(t, db, "clients", "create", "--tenant", tenant, "--scope", strings.Join(scopes, " "))
	var c testClient
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("clients create printed %q: %v", out, err)
	}
	c.Tenant = tenant
	return c
}

// assertFileLacks fails the test if the database file db, or its write-ahead log, holds
// secret in the clear.
func assertFileLacks(t *testing.T, db, secret string) {
	t.Helper()
	for _, path := range []string{db, db + "-wal"} {
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s holds a secret in the clear", filepath.Base(path))
		}
	}
}

// testServer is a shiftwire serve running in-process.
type testServer struct {
	t      *testing.T
	addr   string // host:port it listens on
	db     string
	stdout *syncBuffer // everything after the first line
	stderr *syncBuffer // the log
	http   *http.Client

	firstLine string // the first line on stdout, which names the address

	stopOnce sync.Once
	cancel   context.CancelFunc
	done     chan error

	tokenMu sync.Mutex
	tokens  map[string]string // client id -> access token
}

// startServer runs serve on db on a free loopback port with args added, waits until it is
// ready, and stops it when the test ends, failing the test unless it shuts down cleanly.
func startServer(t *testing.T, db string, args ...string) *testServer {
	t.Helper()
	return startServerEnv(t, nil, append([]string{"--addr", "127.0.0.1:0", "--db", db}, args...)...)
}

// startServerEnv runs serve with exactly args and the environment e.
func startServerEnv(t *testing.T, e env, args ...string) *testServer {
	t.Helper()
	return startServerClock(t, e, nil, args...)
}

// startServerClock runs serve like startServerEnv, reading time from now when it is not nil.
func startServerClock(t *testing.T, e env, now func() time.Time, args ...string) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &testServer{
		t:      t,
		stdout: &syncBuffer{},
		stderr: &syncBuffer{},
		http:   &http.Client{Timeout: 20 * time.Second, Transport: checkedTransport(t)},
		cancel: cancel,
		done:   make(chan error, 1),
		tokens: map[string]string{},
	}
	for i, a := range args {
		if a == "--db" && i+1 < len(args) {
			s.db = args[i+1]
		}
	}
	if s.db == "" {
		s.db = e["SHIFTWIRE_DB"]
	}
	pr, pw := io.Pipe()
	go func() {
		var err error
		if now == nil {
			err = run(ctx, append([]string{"serve"}, args...), e.getenv, pw, s.stderr)
		} else {
			err = serve(ctx, now, args, e.getenv, pw, s.stderr)
		}
		pw.CloseWithError(errors.New("run returned"))
		s.done <- err
	}()
	// The first line names the address; the rest (the dev mode help) is kept, and reading
	// goes on so that run never blocks on a full pipe.
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		if sc.Scan() {
			first <- sc.Text()
		}
		close(first)
		for sc.Scan() {
			s.stdout.Write(append(sc.Bytes(), '\n'))
		}
	}()
	t.Cleanup(func() { s.stop() })

	select {
	case line, ok := <-first:
		addr, found := listeningAddr(line)
		if !ok || !found {
			// The clean-up reports what run returned.
			t.Fatalf("first line of serve: %q\n%s", line, s.stderr)
		}
		s.addr, s.firstLine = addr, line
	case <-time.After(30 * time.Second):
		t.Fatalf("serve printed no address\n%s", s.stderr)
	}
	s.waitReady()
	return s
}

// waitReady polls /readyz until it answers 200, for a bounded time.
func (s *testServer) waitReady() {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := s.http.Get("http://" + s.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("/readyz never answered 200 (last: %v)", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop cancels serve's context and checks that run returns nil: a graceful shutdown. After
// stop the log is complete.
func (s *testServer) stop() {
	s.stopOnce.Do(func() {
		s.t.Helper()
		s.cancel()
		select {
		case err := <-s.done:
			if err != nil {
				s.t.Errorf("serve returned %v, want nil after cancel\n%s", err, s.stderr)
			}
		case <-time.After(30 * time.Second):
			s.t.Errorf("serve did not stop within 30s of cancel")
		}
		s.http.CloseIdleConnections()
	})
}

// apiRequest is one HTTP call. The zero value of each field means the usual: the tenant is
// reached through the default host 127.0.0.1, a User-Agent is sent, no token.
type apiRequest struct {
	method  string
	path    string // host-relative, with the query
	host    string // the Host header, such as acme.localhost
	token   string // sent as "Authorization: Bearer <token>"
	body    string
	noAgent bool // send no User-Agent
	header  http.Header
	// unrouted says the path or method has no route on purpose, so the OpenAPI document
	// cannot describe the answer; it is only checked to be an error body.
	unrouted bool
}

// apiResponse is what came back, read in full.
type apiResponse struct {
	status int
	header http.Header
	body   []byte
}

// do sends req and reads the whole response.
func (s *testServer) do(req apiRequest) *apiResponse {
	s.t.Helper()
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	r, err := http.NewRequest(req.method, "http://"+s.addr+req.path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if req.host != "" {
		r.Host = req.host
	}
	r.Header.Set("User-Agent", userAgent)
	if req.noAgent {
		// An empty User-Agent makes the client send none at all.
		r.Header.Set("User-Agent", "")
	}
	if req.token != "" {
		r.Header.Set("Authorization", "Bearer "+req.token)
	}
	if req.body != "" && req.header.Get("Content-Type") == "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range req.header {
		r.Header[k] = vs
	}
	if req.unrouted {
		r = r.WithContext(openapitest.Unrouted(r.Context()))
	}
	resp, err := s.http.Do(r)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s %s: reading the body: %v", req.method, req.path, err)
	}
	return &apiResponse{status: resp.StatusCode, header: resp.Header, body: b}
}

// tokenFor fetches an access token for c with the form parameters extra added, and fails
// the test unless the token endpoint answers 200.
func (s *testServer) tokenFor(c testClient, extra ...string) string {
	s.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	resp := s.postForm("/tenants/"+c.Tenant+"/connect/token", form, nil)
	resp.wantStatus(s.t, http.StatusOK)
	var tok tokenResponse
	resp.decode(s.t, &tok)
	return tok.AccessToken
}

// token returns a cached access token with every scope of c.
func (s *testServer) token(c testClient) string {
	s.t.Helper()
	s.tokenMu.Lock()
	defer s.tokenMu.Unlock()
	if tok, ok := s.tokens[c.ClientID]; ok {
		return tok
	}
	tok := s.tokenFor(c)
	s.tokens[c.ClientID] = tok
	return tok
}

// postForm posts form to the token endpoint at path.
func (s *testServer) postForm(path string, form url.Values, header http.Header) *apiResponse {
	s.t.Helper()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	for k, v := range header {
		h[k] = v
	}
	return s.do(apiRequest{method: http.MethodPost, path: path, body: form.Encode(), header: h})
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
}

// wantStatus fails the test unless the response has status.
func (r *apiResponse) wantStatus(t *testing.T, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
}

// decode reads the JSON body into v, refusing fields v does not have, so that a test
// notices anything extra the API sends.
func (r *apiResponse) decode(t *testing.T, v any) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json; body: %s", ct, r.body)
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// apiError is Protime's error body.
type apiError struct {
	Error struct {
		Code      string   `json:"code"`
		Message   string   `json:"message"`
		Reasons   []string `json:"reasons"`
		RequestID string   `json:"requestId"`
	} `json:"error"`
}

// wantError checks that the response is status with Protime's error body of code, and
// that the message and reasons together contain each of want.
func (r *apiResponse) wantError(t *testing.T, status int, code string, want ...string) apiError {
	t.Helper()
	r.wantStatus(t, status)
	var e apiError
	r.decode(t, &e)
	if e.Error.Code != code || e.Error.Message == "" {
		t.Fatalf("error code %q message %q, want code %q and a message; body: %s", e.Error.Code, e.Error.Message, code, r.body)
	}
	text := e.Error.Message + "\n" + strings.Join(e.Error.Reasons, "\n")
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("error %s does not mention %q", r.body, w)
		}
	}
	return e
}

// wantValidation checks that the response is a 400 with a validationErrors body naming
// exactly fields, in order.
func (r *apiResponse) wantValidation(t *testing.T, fields ...string) {
	t.Helper()
	r.wantStatus(t, http.StatusBadRequest)
	var v struct {
		ValidationErrors []shiftwire.ValidationError `json:"validationErrors"`
	}
	r.decode(t, &v)
	var got []string
	for _, e := range v.ValidationErrors {
		if e.Message == "" {
			t.Errorf("validation error of %q has no message", e.Field)
		}
		got = append(got, e.Field)
	}
	if fmt.Sprint(got) != fmt.Sprint(fields) {
		t.Fatalf("validation errors on %q, want %q; body: %s", got, fields, r.body)
	}
}

// wantChallenge checks a 401 in Protime's format with the WWW-Authenticate header starting
// with challenge.
func (r *apiResponse) wantChallenge(t *testing.T, challenge string) {
	t.Helper()
	r.wantError(t, http.StatusUnauthorized, "Unauthorized")
	got := r.header.Get("WWW-Authenticate")
	if challenge == "Bearer" {
		if got != "Bearer" {
			t.Fatalf("WWW-Authenticate %q, want exactly Bearer", got)
		}
		return
	}
	if !strings.HasPrefix(got, challenge) {
		t.Fatalf("WWW-Authenticate %q, want it to start with %s", got, challenge)
	}
}

func TestRunCommands(t *testing.T) {
	db := tempDB(t)
	tests := []struct {
		name    string
		args    []string
		wantErr string // "" for success
		stdout  string // printed on stdout when it succeeds
	}{
		{"no command", nil, "no command given", ""},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`, ""},
		{"help", []string{"help"}, "", "Usage:"},
		{"tenants without a known subcommand", []string{"tenants", "rename"}, "usage: shiftwire tenants create|list", ""},
		{"clients without create", []string{"clients"}, "usage: shiftwire clients create", ""},
		{"migrate", []string{"migrate", "--db", db}, "", "migrations applied"},
		{"migrate twice", []string{"migrate", "--db", db}, "", "migrations applied"},
		{"tenant without a name", []string{"tenants", "create", "--db", db}, "usage: shiftwire tenants create", ""},
		{"tenant with two names", []string{"tenants", "create", "a", "b", "--db", db}, "usage: shiftwire tenants create", ""},
		{"tenant name not a DNS label", []string{"tenants", "create", "Acme_Corp", "--db", db}, "invalid tenant", ""},
		{"unknown time zone", []string{"tenants", "create", "acme", "--timezone", "Mars/Olympus", "--db", db}, "unknown time zone", ""},
		{"client without a tenant", []string{"clients", "create", "--scope", shiftwire.ScopeWebhooksRead, "--db", db}, "usage: shiftwire clients create", ""},
		{"client of an unknown tenant", []string{"clients", "create", "--tenant", "nobody", "--scope", shiftwire.ScopeWebhooksRead, "--db", db}, `tenant "nobody"`, ""},
		{"unknown flag", []string{"migrate", "--frobnicate", "--db", db}, "flag provided but not defined", ""},
		{"serve with an argument", []string{"serve", "--db", db, "extra"}, "serve takes no arguments", ""},
		{"serve with an invalid setting", []string{"serve", "--db", db, "--delivery-concurrency", "0", "--webhook-validity", "-1h"}, "--delivery-concurrency must be from 1 to 1000", ""},
		{"postgres without a master key", []string{"serve", "--database-url", "postgres://localhost/shiftwire"}, "--master-key is required", ""},
		{"database url of another kind", []string{"serve", "--database-url", "mysql://localhost/x", "--master-key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}, "must start with postgres://", ""},
		{"bad master key", []string{"migrate", "--db", db, "--master-key", "short"}, "master key", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runCmd(t, nil, tt.args...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("run %q: %v", tt.args, err)
				}
				if !strings.Contains(out, tt.stdout) {
					t.Errorf("stdout %q, want it to contain %q", out, tt.stdout)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("run %q: error %v, want one containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
}

func TestServeHelp(t *testing.T) {
	help, _, err := runCmd(t, nil, "serve", "-h")
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("serve -h: %v, want flag.ErrHelp", err)
	}
	for _, f := range []string{"-addr", "-db", "-database-url", "-dev", "-base-domain", "-default-tenant", "-allow-private-destinations", "-allow-insecure-destinations", "-webhook-validity", "-master-key", "-oidc-issuer"} {
		if !strings.Contains(help, f) {
			t.Errorf("serve -h does not list %s", f)
		}
	}
}

// TestFlagMistakeShowsUsageOnStderr: help shown because of a mistake goes with the error,
// not to the command's output.
func TestFlagMistakeShowsUsageOnStderr(t *testing.T) {
	stdout, stderr, err := runCmd(t, nil, "tenants", "list", "--no-such-flag")
	if err == nil || errors.Is(err, flag.ErrHelp) {
		t.Fatalf("tenants list --no-such-flag: %v, want a flag error", err)
	}
	if stdout != "" || !strings.Contains(stderr, "Usage: shiftwire tenants list") {
		t.Fatalf("stdout %q, stderr %q: want the usage on stderr only", stdout, stderr)
	}
}

func TestFlagsBeforeAndAfterArguments(t *testing.T) {
	db := tempDB(t)
	if _, _, err := runCmd(t, nil, "tenants", "create", "--db", db, "--timezone", "America/New_York", "before"); err != nil {
		t.Fatalf("flags before the name: %v", err)
	}
	out, _, err := runCmd(t, nil, "tenants", "create", "after", "--db", db, "--timezone", "Asia/Tokyo")
	if err != nil {
		t.Fatalf("flags after the name: %v", err)
	}
	var tenant struct{ Name, Timezone string }
	if err := json.Unmarshal([]byte(out), &tenant); err != nil || tenant.Name != "after" || tenant.Timezone != "Asia/Tokyo" {
		t.Fatalf("tenants create printed %q (%v)", out, err)
	}
	if _, _, err := runCmd(t, nil, "tenants", "create", "--db", db, "after"); err == nil {
		t.Fatal("creating a tenant twice succeeded")
	}
	// Both tenants landed in db: clients can be created for them, with flags on either side.
	addClient(t, db, "before", shiftwire.ScopeWebhooksRead)
	if _, _, err := runCmd(t, nil, "clients", "create", "--scope", shiftwire.ScopeWebhooksRead, "--db", db, "--tenant", "after"); err != nil {
		t.Fatal(err)
	}
}

func TestEnvironmentVariables(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "env.db")
	e := env{"SHIFTWIRE_DB": db, "SHIFTWIRE_TIMEZONE": "America/New_York"}
	out, _, err := runCmd(t, e, "tenants", "create", "acme")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "America/New_York") {
		t.Errorf("SHIFTWIRE_TIMEZONE was not used: %s", out)
	}
	// The tenant is in the file SHIFTWIRE_DB named.
	addClient(t, db, "acme", shiftwire.ScopeWebhooksRead)

	// A flag wins over its variable.
	other := filepath.Join(dir, "flag.db")
	if _, _, err := runCmd(t, e, "tenants", "create", "acme", "--db", other); err != nil {
		t.Fatalf("--db did not win over SHIFTWIRE_DB: %v", err)
	}

	// A variable that does not parse is an error that names it.
	_, _, err = runCmd(t, env{"SHIFTWIRE_DB": db, "SHIFTWIRE_DEV": "maybe"}, "serve")
	if err == nil || !strings.Contains(err.Error(), "SHIFTWIRE_DEV") {
		t.Fatalf("SHIFTWIRE_DEV=maybe: %v, want an error naming the variable", err)
	}

	// serve reads its settings from the environment too.
	s := startServerEnv(t, env{"SHIFTWIRE_DB": db, "SHIFTWIRE_ADDR": "127.0.0.1:0", "SHIFTWIRE_DEV": "true"})
	resp := s.do(apiRequest{method: http.MethodGet, path: "/tenants/demo/.well-known/openid-configuration"})
	resp.wantStatus(t, http.StatusOK)
	if !strings.Contains(s.stdout.String(), "demo-secret") {
		t.Errorf("SHIFTWIRE_DEV=true did not start dev mode; stdout:\n%s", s.stdout)
	}
}

func TestClientsCreate(t *testing.T) {
	db := tempDB(t)
	createTenant(t, db, "acme", "")
	out := admin(t, db, "clients", "create", "--tenant", "acme",
		"--scope", shiftwire.ScopeWebhooksRead+" "+shiftwire.ScopeWebhooksWrite,
		"--scope", shiftwire.ReadScope(shiftwire.Clockings))

	// Exactly three keys, the secret shown in full.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("clients create printed %q: %v", out, err)
	}
	if len(raw) != 3 || raw["clientId"] == nil || raw["clientSecret"] == nil || raw["scopes"] == nil {
		t.Fatalf("clients create printed %s, want clientId, clientSecret and scopes", out)
	}
	var c testClient
	json.Unmarshal([]byte(out), &c)
	c.Tenant = "acme"
	want := []string{shiftwire.ScopeWebhooksRead, shiftwire.ScopeWebhooksWrite, shiftwire.ReadScope(shiftwire.Clockings)}
	if fmt.Sprint(c.Scopes) != fmt.Sprint(want) {
		t.Errorf("scopes %q, want %q", c.Scopes, want)
	}
	if c.ClientID == "" || len(c.ClientSecret) < 32 {
		t.Errorf("client id %q, secret of %d characters", c.ClientID, len(c.ClientSecret))
	}

	// An unknown scope is refused, and so is a client without scopes.
	if _, _, err := runCmd(t, nil, "clients", "create", "--db", db, "--tenant", "acme", "--scope", "connector-protimeapi-nothing.read"); err == nil || !strings.Contains(err.Error(), "unknown scope") {
		t.Errorf("unknown scope: %v", err)
	}
	if _, _, err := runCmd(t, nil, "clients", "create", "--db", db, "--tenant", "acme"); err == nil {
		t.Error("a client without scopes was created")
	}

	// The printed credentials work, and the secret is not stored in the clear.
	s := startServer(t, db)
	resp := s.postForm("/tenants/acme/connect/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret},
	}, nil)
	resp.wantStatus(t, http.StatusOK)
	s.stop()
	assertFileLacks(t, db, c.ClientSecret)
}

// The tenants of a fixture, as Host headers.
const (
	acmeHost = "acme.localhost"
	nycHost  = "nyc.localhost"
)

// fixture is a server with two tenants: acme in the default time zone, Europe/Brussels,
// and nyc in America/New_York, each with a client holding every scope. Tests that need fewer
// scopes ask the token endpoint for a subset (scopedToken).
type fixture struct {
	*testServer
	acme   testClient // every scope on acme
	nyc    testClient // every scope on nyc
	narrow testClient // only webhooks.read on acme
	spare  testClient // every scope on acme, for tests that lock a client out
}

// newFixture starts a fixture whose server runs with args added.
func newFixture(t *testing.T, args ...string) *fixture {
	t.Helper()
	db := tempDB(t)
	createTenant(t, db, "acme", "")
	createTenant(t, db, "nyc", "America/New_York")
	all := shiftwire.AllScopes()
	f := &fixture{
		acme:   addClient(t, db, "acme", all...),
		nyc:    addClient(t, db, "nyc", all...),
		narrow: addClient(t, db, "acme", shiftwire.ScopeWebhooksRead),
		spare:  addClient(t, db, "acme", all...),
	}
	f.testServer = startServer(t, db, args...)
	return f
}

// hostOf returns the Host header that reaches the tenant of c.
func hostOf(c testClient) string { return c.Tenant + ".localhost" }

// scopedToken returns a token of c holding only scopes.
func (s *testServer) scopedToken(c testClient, scopes ...string) string {
	s.t.Helper()
	return s.tokenFor(c, "scope", strings.Join(scopes, " "))
}

// call makes an API call as c with a token holding every scope of c.
func (s *testServer) call(c testClient, method, path, body string) *apiResponse {
	s.t.Helper()
	return s.do(apiRequest{method: method, path: path, host: hostOf(c), token: s.token(c), body: body})
}

package httpapi

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/auth"
	"github.com/shiftwire/shiftwire/internal/httpapi/openapitest"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// The issuer is the URL the client used, so that discovery documents fetched through a
// proxy or a tenant host name point back to where the client can reach them.
func TestIssuerURL(t *testing.T) {
	plain := httptest.NewRequest("GET", "http://acme.localhost:8080/x", nil)
	if got := issuerURL(plain, "acme"); got != "http://acme.localhost:8080/tenants/acme" {
		t.Errorf("plain: %q", got)
	}
	proxied := httptest.NewRequest("GET", "http://shiftwire.example.com/x", nil)
	proxied.Header.Set("X-Forwarded-Proto", "HTTPS")
	if got := issuerURL(proxied, "acme"); got != "https://shiftwire.example.com/tenants/acme" {
		t.Errorf("behind a TLS proxy: %q", got)
	}
	direct := httptest.NewRequest("GET", "https://shiftwire.example.com/x", nil)
	direct.TLS = &tls.ConnectionState{}
	if got := issuerURL(direct, "nyc"); got != "https://shiftwire.example.com/tenants/nyc" {
		t.Errorf("TLS: %q", got)
	}
}

// tokenAPI is the API on a fresh SQLite store with tenant acme and one client, erp, whose
// clock the test moves.
type tokenAPI struct {
	t      *testing.T
	srv    *httptest.Server
	log    *lockedBuffer
	clock  *testClock
	store  shiftwire.Store
	secret string // erp's secret
}

// testClock is a clock that moves only when the test says so.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newTokenAPI(t *testing.T, deps Deps) *tokenAPI {
	t.Helper()
	return newTokenAPIConfig(t, Config{}, deps)
}

// newTokenAPIConfig is newTokenAPI with the settings of cfg; its tenant settings are
// replaced by tenant acme's.
func newTokenAPIConfig(t *testing.T, cfg Config, deps Deps) *tokenAPI {
	t.Helper()
	db := storetest.OpenSQLite(t)
	ctx := context.Background()
	tn := &shiftwire.Tenant{Name: "acme", TimeZone: shiftwire.DefaultTimeZone}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	secret, err := auth.NewClientSecret()
	if err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateClient(ctx, &shiftwire.Client{ID: "erp", TenantID: tn.ID, SecretHash: hash, Scopes: []string{shiftwire.ScopeWebhooksRead}}); err != nil {
		t.Fatal(err)
	}
	_, signKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	a := &tokenAPI{t: t, log: &lockedBuffer{}, clock: &testClock{now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}, store: db, secret: secret}
	deps.Store = db
	deps.Issuer = auth.NewIssuer(signKey, a.clock.Now)
	deps.Verifier = auth.NewVerifier(deps.Issuer, nil)
	deps.Logger = slog.New(slog.NewJSONHandler(a.log, nil))
	deps.Now = a.clock.Now
	cfg.BaseDomain, cfg.DefaultTenant = "localhost", "acme"
	a.srv = httptest.NewServer(New(cfg, deps))
	t.Cleanup(a.srv.Close)
	CheckResponses(t, a.srv)
	return a
}

// post sends a client credentials request for clientID with secret.
func (a *tokenAPI) post(clientID, secret string) *http.Response {
	a.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}
	resp, err := a.srv.Client().PostForm(a.srv.URL+"/tenants/acme/connect/token", form)
	if err != nil {
		a.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// wantTooMany checks a 429 with a Retry-After of retry seconds.
func wantTooMany(t *testing.T, resp *http.Response, retry string) {
	t.Helper()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != retry {
		t.Fatalf("status %d, Retry-After %q; want 429 with Retry-After %s", resp.StatusCode, resp.Header.Get("Retry-After"), retry)
	}
}

// A new made-up client id per request must not buy a new allowance of password-hash work:
// failures count per source address too, whatever the client id.
func TestTokenFailuresLimitedPerSource(t *testing.T) {
	a := newTokenAPI(t, Deps{})
	for i := range auth.DefaultMaxSourceFailures {
		if resp := a.post(fmt.Sprintf("made-up-%d", i), "guess"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, resp.StatusCode)
		}
	}
	wantTooMany(t, a.post("made-up-next", "guess"), "60")
	// The address is locked whatever it sends, or guessing could go on under a real id.
	wantTooMany(t, a.post("erp", a.secret), "60")

	a.clock.Advance(auth.DefaultFailureWindow)
	if resp := a.post("erp", a.secret); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the window: status %d, want 200", resp.StatusCode)
	}
}

// The password-hash checks running at once are bounded; a request that finds no free slot
// in time is answered 429 without checking anything.
func TestTokenHashChecksBounded(t *testing.T) {
	checks := auth.NewHashChecks(1, 0)
	a := newTokenAPI(t, Deps{HashChecks: checks})
	release, ok := checks.Acquire(context.Background())
	if !ok {
		t.Fatal("the only slot is taken")
	}
	wantTooMany(t, a.post("erp", a.secret), "1")
	wantTooMany(t, a.post("made-up", "guess"), "1")
	release()
	if resp := a.post("erp", a.secret); resp.StatusCode != http.StatusOK {
		t.Fatalf("with a free slot: status %d, want 200", resp.StatusCode)
	}
}

// A client id that no client can have is answered invalid_client before any password-hash
// work, and what the client sent reaches the log only cut short.
func TestTokenAbsurdClientID(t *testing.T) {
	checks := auth.NewHashChecks(1, 0)
	a := newTokenAPI(t, Deps{HashChecks: checks})
	// With the only slot taken, a request that needs a hash check is answered 429.
	release, _ := checks.Acquire(context.Background())
	defer release()
	for name, id := range map[string]string{
		"60,000 characters": strings.Repeat("c", 60000),
		"257 bytes":         strings.Repeat("c", auth.MaxClientIDLength+1),
		"a newline":         "erp\nlevel=ERROR msg=forged",
		"a NUL":             "erp\x00",
		"DEL":               "erp\x7f",
		"invalid UTF-8":     "erp\xff",
	} {
		t.Run(name, func(t *testing.T) {
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {"guess"}}
			resp, err := a.srv.Client().PostForm(a.srv.URL+"/tenants/acme/connect/token", form)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var body struct{ Error string }
			if resp.StatusCode != http.StatusUnauthorized || json.Unmarshal(b, &body) != nil || body.Error != "invalid_client" {
				t.Fatalf("%d %s; want 401 invalid_client", resp.StatusCode, b)
			}
		})
	}
	// A plausible id still needs its hash check.
	wantTooMany(t, a.post(strings.Repeat("c", auth.MaxClientIDLength), "guess"), "1")
	wantShortLogLines(t, a.log.String())
}

// Every value of the request log line that a client chose (the path, the method, the
// client id) is capped, so one request cannot write kilobytes of log.
func TestRequestLogCapsClientValues(t *testing.T) {
	a := newTokenAPI(t, Deps{})
	long := strings.Repeat("p", 60000)
	for _, req := range []*http.Request{
		httptest.NewRequest(http.MethodGet, a.srv.URL+"/tenants/"+long+"/connect/token", nil),
		httptest.NewRequest(strings.Repeat("M", 60000), a.srv.URL+"/tenants/acme/connect/token", nil),
	} {
		req.RequestURI = ""
		// Neither has a route: the path is over the URI limit, the method is no method.
		req = req.WithContext(openapitest.Unrouted(req.Context()))
		resp, err := a.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// The request line is written after the response: closing the server waits for it.
	a.srv.Close()
	if n := strings.Count(a.log.String(), "\n"); n != 2 {
		t.Fatalf("%d log lines, want 2:\n%.2000s", n, a.log)
	}
	wantShortLogLines(t, a.log.String())
}

// wantShortLogLines fails the test if a log line is longer than 2 KB.
func wantShortLogLines(t *testing.T, log string) {
	t.Helper()
	for line := range strings.Lines(log) {
		if len(line) > 2048 {
			t.Errorf("a log line of %d bytes: %.300s...", len(line), line)
		}
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"short", 5, "short"},
		{"longer", 4, "long...(6 bytes)"},
		// A multi-byte character is never cut in two.
		{"abé", 3, "ab...(4 bytes)"},
		{"€", 2, "...(3 bytes)"},
	}
	for _, tt := range tests {
		if got := clip(tt.s, tt.n); got != tt.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

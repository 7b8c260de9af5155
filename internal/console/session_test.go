package console_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/auth"
	"github.com/shiftwire/shiftwire/internal/console"
	"github.com/shiftwire/shiftwire/internal/httpapi"
	"github.com/shiftwire/shiftwire/internal/sqlite"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// clock is a time that tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// consoleServer serves the console and the API, as serve does, on a real SQLite store and a
// loopback listener, with the clock given.
func consoleServer(t testing.TB, db *sqlite.DB, master shiftwire.Secret, clk *clock) *httptest.Server {
	return consoleServerFor(t, db, master, clk, "localhost")
}

// consoleServerFor is consoleServer with the API's and console's base domain.
func consoleServerFor(t testing.TB, db *sqlite.DB, master shiftwire.Secret, clk *clock, baseDomain string) *httptest.Server {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	issuer := auth.NewIssuer(key, clk.Now)
	log := slog.New(slog.DiscardHandler)
	api := httpapi.New(httpapi.Config{BaseDomain: baseDomain, DefaultTenant: "default"}, httpapi.Deps{
		Store: db, Issuer: issuer, Verifier: auth.NewVerifier(issuer, nil), Logger: log, Now: clk.Now,
	})
	c, err := console.New(console.Config{BaseDomain: baseDomain, DefaultTenant: "default", Secure: true},
		console.Deps{API: api, MasterKey: master, Stats: db, Logger: log, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/console/", c)
	mux.Handle("/", api)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// newClient creates tenant acme and a client of it holding scopes, and returns its id and
// secret.
func newClient(t testing.TB, db *sqlite.DB, scopes ...string) (id, secret string) {
	t.Helper()
	ctx := context.Background()
	tenant := &shiftwire.Tenant{Name: "acme", TimeZone: shiftwire.DefaultTimeZone}
	if err := db.CreateTenant(ctx, tenant); err != nil {
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
	if err := db.CreateClient(ctx, &shiftwire.Client{ID: "operator", TenantID: tenant.ID, SecretHash: hash, Scopes: scopes}); err != nil {
		t.Fatal(err)
	}
	return "operator", secret
}

// browser is an HTTP client that keeps cookies, Secure ones too (the httptest server is
// plain HTTP on loopback, where browsers accept them), and follows no redirect.
type browser struct {
	t       testing.TB
	base    string
	cookies map[string]string
}

func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for name, value := range b.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return resp, string(raw)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) signIn(id, secret string) {
	b.t.Helper()
	_, form := b.do(http.MethodGet, "/console/signin", nil)
	m := csrfField.FindStringSubmatch(form)
	if m == nil {
		b.t.Fatalf("no CSRF token on the sign-in form:\n%s", form)
	}
	resp, body := b.do(http.MethodPost, "/console/signin", url.Values{"csrf": {m[1]}, "tenant": {"acme"}, "client_id": {id}, "client_secret": {secret}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("sign-in: status %d\n%s", resp.StatusCode, body)
	}
}

// TestSessionEndsWithToken signs in, moves the clock past the token's 30 minutes, and checks
// that the session is over: the browser is sent to sign in and the cookie is dropped.
func TestSessionEndsWithToken(t *testing.T) {
	db := storetest.OpenSQLite(t)
	id, secret := newClient(t, db, shiftwire.ScopeWebhooksRead)
	master := make(shiftwire.Secret, 32)
	rand.Read(master)
	clk := &clock{now: time.Now()}
	srv := consoleServer(t, db, master, clk)
	b := &browser{t: t, base: srv.URL, cookies: map[string]string{}}
	b.signIn(id, secret)

	clk.advance(29 * time.Minute)
	if resp, body := b.do(http.MethodGet, "/console/webhooks", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("after 29 minutes: status %d, want 200\n%s", resp.StatusCode, body)
	}
	clk.advance(2 * time.Minute)
	resp, _ := b.do(http.MethodGet, "/console/webhooks", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/signin" {
		t.Fatalf("after 31 minutes: status %d to %q, want 303 to the sign-in", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, ok := b.cookies["shiftwire_console"]; ok {
		t.Error("the expired session's cookie was not dropped")
	}
	if _, body := b.do(http.MethodGet, "/console/signin", nil); !strings.Contains(body, "Your session has ended") {
		t.Errorf("the sign-in form does not say why:\n%s", body)
	}
}

// TestSessionAcrossInstances checks the choice of sealed cookies: a second server with the
// same master key serves the session of the first, a server with another key does not.
func TestSessionAcrossInstances(t *testing.T) {
	db := storetest.OpenSQLite(t)
	id, secret := newClient(t, db, shiftwire.ScopeWebhooksRead)
	master, otherMaster := make(shiftwire.Secret, 32), make(shiftwire.Secret, 32)
	rand.Read(master)
	rand.Read(otherMaster)
	clk := &clock{now: time.Now()}
	first := consoleServer(t, db, master, clk)
	b := &browser{t: t, base: first.URL, cookies: map[string]string{}}
	b.signIn(id, secret)

	// /console/ sends a session to the webhooks and anybody else to sign in, without asking
	// the API: it tells whether the cookie opened.
	for _, tt := range []struct {
		name   string
		master shiftwire.Secret
		signIn bool
	}{
		{"same master key", master, false},
		{"another master key", otherMaster, true},
	} {
		srv := consoleServer(t, db, tt.master, clk)
		other := &browser{t: t, base: srv.URL, cookies: map[string]string{"shiftwire_console": b.cookies["shiftwire_console"]}}
		resp, _ := other.do(http.MethodGet, "/console/", nil)
		toSignIn := resp.Header.Get("Location") == "/console/signin"
		if toSignIn != tt.signIn {
			t.Errorf("%s: sent to %q", tt.name, resp.Header.Get("Location"))
		}
	}
}

// TestSignInWithoutBaseDomain checks that without a base domain, where the API cannot tell
// tenants apart by host, signing in to a tenant other than the default one says so instead of
// opening a session that every page would refuse.
func TestSignInWithoutBaseDomain(t *testing.T) {
	db := storetest.OpenSQLite(t)
	id, secret := newClient(t, db, shiftwire.ScopeWebhooksRead)
	master := make(shiftwire.Secret, 32)
	rand.Read(master)
	srv := consoleServerFor(t, db, master, &clock{now: time.Now()}, "")
	b := &browser{t: t, base: srv.URL, cookies: map[string]string{}}
	_, form := b.do(http.MethodGet, "/console/signin", nil)
	m := csrfField.FindStringSubmatch(form)
	if m == nil {
		t.Fatalf("no CSRF token on the sign-in form:\n%s", form)
	}
	resp, body := b.do(http.MethodPost, "/console/signin", url.Values{"csrf": {m[1]}, "tenant": {"acme"}, "client_id": {id}, "client_secret": {secret}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "reaches only its default tenant") {
		t.Errorf("status %d, want 400 saying why:\n%s", resp.StatusCode, body)
	}
	if _, ok := b.cookies["shiftwire_console"]; ok {
		t.Error("a session was opened")
	}
}

package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/shiftwire/shiftwire"
)

// oidcAudience is the audience the external provider puts in tokens for Shiftwire.
const oidcAudience = "api://shiftwire"

// provider is an external OpenID provider on loopback that signs tokens with one Ed25519
// key, or answers 503 to everything when down. It serves plain http, which Shiftwire accepts
// only with --dev, unless tls: then its certificate is one Shiftwire does not trust.
type provider struct {
	*httptest.Server
	signer jose.Signer
}

func newProvider(t *testing.T, down, tls bool) *provider {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{}
	p.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: priv, KeyID: "external-1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": p.URL, "jwks_uri": p.URL + "/keys"})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: pub, KeyID: "external-1", Use: "sig"}}})
	})
	p.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	// The TLS handshake errors of an untrusted certificate are expected, not worth a line.
	p.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tls {
		p.StartTLS()
	} else {
		p.Start()
	}
	t.Cleanup(p.Close)
	return p
}

// token signs claims, adding the issuer, the audience and a validity of five minutes unless
// claims set them; a claim set to nil is left out.
func (p *provider) token(t *testing.T, claims map[string]any) string {
	t.Helper()
	now := time.Now()
	all := map[string]any{"iss": p.URL, "aud": oidcAudience, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "sub": "service-account-7"}
	for k, v := range claims {
		all[k] = v
		if v == nil {
			delete(all, k)
		}
	}
	tok, err := jwt.Signed(p.signer).Claims(all).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestExternalTokens(t *testing.T) {
	p := newProvider(t, false, false)
	// The provider serves http, which only --dev accepts.
	f := newFixture(t, "--dev", "--oidc-issuer", p.URL, "--oidc-audience", oidcAudience)
	call := func(method, host, token string) *apiResponse {
		var body string
		if method == http.MethodPost {
			body = hookBody("https://example.com/hook", "clockings")
		}
		return f.do(apiRequest{method: method, path: webhooksPath, host: host, token: token, body: body})
	}
	read := []string{shiftwire.ScopeWebhooksRead}
	all := []string{shiftwire.ScopeWebhooksRead, shiftwire.ScopeWebhooksWrite, shiftwire.ReadScope(shiftwire.Clockings)}

	// Scopes come from scope (a string) or scp (a list); the tenant claim must name the
	// tenant of the request.
	call(http.MethodGet, acmeHost, p.token(t, map[string]any{"tenant": "acme", "scp": read})).wantStatus(t, http.StatusOK)
	call(http.MethodPost, acmeHost, p.token(t, map[string]any{"tenant": "acme", "scope": strings.Join(all, " "), "azp": "erp"})).wantStatus(t, http.StatusCreated)
	call(http.MethodPost, acmeHost, p.token(t, map[string]any{"tenant": "acme", "scp": read})).
		wantChallenge(t, `Bearer error="insufficient_scope", scope="connector-protimeapi-webhooks.write"`)

	invalid := `Bearer error="invalid_token"`
	for name, claims := range map[string]map[string]any{
		"another tenant":   {"tenant": "nyc", "scp": read},
		"no tenant":        {"scp": read},
		"another issuer":   {"tenant": "acme", "scp": read, "iss": "https://login.example.com/"},
		"expired":          {"tenant": "acme", "scp": read, "exp": time.Now().Add(-time.Hour).Unix()},
		"another audience": {"tenant": "acme", "scp": read, "aud": "api://another-application"},
		"no audience":      {"tenant": "acme", "scp": read, "aud": nil},
		// An ID token proves who a user is to the application that received it; it is no
		// access token, even with the right audience.
		"an ID token": {"tenant": "acme", "scp": read, "nonce": "n-0S6_WzA2Mj", "at_hash": "77QmUPtjPfzWtF2AnpK9RQ", "auth_time": time.Now().Unix()},
	} {
		t.Run(name, func(t *testing.T) {
			call(http.MethodGet, acmeHost, p.token(t, claims)).wantChallenge(t, invalid)
		})
	}
	// The token of the acme tenant is refused on nyc.
	call(http.MethodGet, nycHost, p.token(t, map[string]any{"tenant": "acme", "scp": read})).wantChallenge(t, invalid)
	// Shiftwire's own tokens keep working beside the external ones.
	call(http.MethodGet, acmeHost, f.token(f.acme)).wantStatus(t, http.StatusOK)
}

// When the external provider's keys cannot be fetched (here: its certificate is not
// trusted), a token of it cannot be checked: that is the server's failure, a 500 whose
// request id leads to the log line with the cause.
func TestInternalErrorCarriesRequestID(t *testing.T) {
	p := newProvider(t, false, true)
	db := tempDB(t)
	createTenant(t, db, "acme", "")
	s := startServer(t, db, "--oidc-issuer", p.URL, "--oidc-audience", oidcAudience)
	token := p.token(t, map[string]any{"tenant": "acme", "scp": []string{shiftwire.ScopeWebhooksRead}})

	resp := s.do(apiRequest{method: http.MethodGet, path: webhooksPath, host: acmeHost, token: token})
	e := resp.wantError(t, http.StatusInternalServerError, "InternalServerError")
	id := resp.header.Get("X-Request-Id")
	if e.Error.RequestID == "" || e.Error.RequestID != id {
		t.Errorf("500 body requestId %q, X-Request-Id %q; want the same id in both", e.Error.RequestID, id)
	}
	if strings.Contains(string(resp.body), "certificate") || strings.Contains(string(resp.body), p.URL) {
		t.Errorf("the 500 body reveals internals: %s", resp.body)
	}

	s.stop()
	var cause, request bool
	for line := range strings.Lines(s.stderr.String()) {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if entry["requestId"] != id {
			continue
		}
		switch entry["msg"] {
		case "internal error":
			cause = strings.Contains(entry["err"].(string), "certificate")
		case "request":
			request = entry["status"] == float64(500)
		}
	}
	if !cause || !request {
		t.Errorf("the log lacks the cause or the request line for requestId %s:\n%s", id, s.stderr)
	}
	if strings.Contains(s.stderr.String(), token) {
		t.Error("the log holds the access token")
	}
}

// --oidc-issuer needs --oidc-audience and an https URL (http only with --dev); serve refuses
// to start otherwise, before it opens anything.
func TestOIDCFlags(t *testing.T) {
	db := tempDB(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no audience", []string{"--oidc-issuer", "https://login.example.com/realms/x"}, "--oidc-audience is required"},
		{"http without --dev", []string{"--oidc-issuer", "http://login.example.com", "--oidc-audience", oidcAudience}, "https"},
		{"a query", []string{"--oidc-issuer", "https://login.example.com/?x=1", "--oidc-audience", oidcAudience}, "query"},
		{"an audience alone", []string{"--oidc-audience", oidcAudience}, "--oidc-audience needs --oidc-issuer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A port serve cannot listen on: a serve that took the flags fails at once with
			// another error instead of running.
			_, _, err := runCmd(t, nil, append([]string{"serve", "--addr", "127.0.0.1:99999", "--db", db}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("serve %q: %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
	if help, _, _ := runCmd(t, nil, "serve", "-h"); !strings.Contains(help, "-oidc-audience") {
		t.Error("serve -h does not list -oidc-audience")
	}
}

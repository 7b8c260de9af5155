package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/shiftwire/shiftwire"
)

// provider is an external OpenID provider on loopback that signs tokens with one Ed25519
// key, or answers 503 to everything when down.
type provider struct {
	*httptest.Server
	signer jose.Signer
}

func newProvider(t *testing.T, down bool) *provider {
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
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// token signs claims, adding the issuer and a validity of five minutes unless claims set
// them.
func (p *provider) token(t *testing.T, claims map[string]any) string {
	t.Helper()
	now := time.Now()
	all := map[string]any{"iss": p.URL, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "sub": "service-account-7"}
	for k, v := range claims {
		all[k] = v
	}
	tok, err := jwt.Signed(p.signer).Claims(all).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestExternalTokens(t *testing.T) {
	p := newProvider(t, false)
	f := newFixture(t, "--oidc-issuer", p.URL)
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
		"another tenant": {"tenant": "nyc", "scp": read},
		"no tenant":      {"scp": read},
		"another issuer": {"tenant": "acme", "scp": read, "iss": "https://login.example.com/"},
		"expired":        {"tenant": "acme", "scp": read, "exp": time.Now().Add(-time.Hour).Unix()},
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

// When the external provider cannot be reached, a token of it cannot be checked: that is the
// server's failure, a 500 whose request id leads to the log line with the cause.
func TestInternalErrorCarriesRequestID(t *testing.T) {
	p := newProvider(t, true)
	db := tempDB(t)
	createTenant(t, db, "acme", "")
	s := startServer(t, db, "--oidc-issuer", p.URL)
	token := p.token(t, map[string]any{"tenant": "acme", "scp": []string{shiftwire.ScopeWebhooksRead}})

	resp := s.do(apiRequest{method: http.MethodGet, path: webhooksPath, host: acmeHost, token: token})
	e := resp.wantError(t, http.StatusInternalServerError, "InternalServerError")
	id := resp.header.Get("X-Request-Id")
	if e.Error.RequestID == "" || e.Error.RequestID != id {
		t.Errorf("500 body requestId %q, X-Request-Id %q; want the same id in both", e.Error.RequestID, id)
	}
	if strings.Contains(string(resp.body), "503") || strings.Contains(string(resp.body), p.URL) {
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
			cause = strings.Contains(entry["err"].(string), "503")
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

package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/shiftwire/shiftwire"
)

// provider is an OpenID provider on an httptest.Server: a discovery document and a JWKS
// that tests can change, counting the requests for each.
type provider struct {
	srv            *httptest.Server
	mu             sync.Mutex
	keys           []jose.JSONWebKey // published public keys
	extraJWKS      []json.RawMessage // raw entries appended to the set
	down           bool
	issuerOverride string
	jwksURI        string // the jwks_uri of the discovery document, when not the provider's own
	redirect       string // where the discovery URL redirects to, when set
	discoveryHits  atomic.Int32
	jwksHits       atomic.Int32
}

func newProvider(t *testing.T) *provider {
	t.Helper()
	p := &provider{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		p.discoveryHits.Add(1)
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if p.redirect != "" {
			http.Redirect(w, r, p.redirect, http.StatusFound)
			return
		}
		p.writeDiscovery(w)
	})
	mux.HandleFunc("GET /moved/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.writeDiscovery(w)
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		p.jwksHits.Add(1)
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var entries []json.RawMessage
		for _, k := range p.keys {
			b, err := json.Marshal(k)
			if err != nil {
				t.Error(err)
			}
			entries = append(entries, b)
		}
		entries = append(entries, p.extraJWKS...)
		json.NewEncoder(w).Encode(map[string]any{"keys": entries})
	})
	p.srv = httptest.NewTLSServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// writeDiscovery writes the discovery document. p.mu must be held.
func (p *provider) writeDiscovery(w http.ResponseWriter) {
	iss := p.srv.URL
	if p.issuerOverride != "" {
		iss = p.issuerOverride
	}
	jwks := p.srv.URL + "/keys"
	if p.jwksURI != "" {
		jwks = p.jwksURI
	}
	json.NewEncoder(w).Encode(map[string]string{"issuer": iss, "jwks_uri": jwks})
}

// testAudience is the audience the tests' provider puts in tokens for Shiftwire.
const testAudience = "api://shiftwire"

// newExternal returns an External trusting p for testAudience, reading the time from c.
func newExternal(t *testing.T, p *provider, c *clock) *External {
	t.Helper()
	e, err := NewExternal(ExternalConfig{Issuer: p.srv.URL, Audience: testAudience, Client: p.srv.Client(), Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (p *provider) publish(k jose.JSONWebKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys = append(p.keys, k)
}

func (p *provider) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
}

func (p *provider) hits() (discovery, jwks int32) {
	return p.discoveryHits.Load(), p.jwksHits.Load()
}

// signingKey is one of the provider's keys.
type signingKey struct {
	alg jose.SignatureAlgorithm
	kid string
	key crypto.Signer
}

func (k signingKey) public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.key.Public(), KeyID: k.kid, Algorithm: string(k.alg), Use: "sig"}
}

var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	ecKey256 *ecdsa.PrivateKey
	ecKey384 *ecdsa.PrivateKey
	edKey    ed25519.PrivateKey
)

// generated returns the test keys, generated once because RSA generation is slow.
func generated(t *testing.T) (rsaK *rsa.PrivateKey, ec256, ec384 *ecdsa.PrivateKey, ed ed25519.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if ecKey256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if ecKey384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
			panic(err)
		}
		if _, edKey, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
	})
	return rsaKey, ecKey256, ecKey384, edKey
}

// externalClaimsFor returns valid claims of p's tokens for tenant acme.
func externalClaimsFor(p *provider, now time.Time) map[string]any {
	return map[string]any{
		"iss": p.srv.URL, "aud": testAudience, "sub": "service-account-7", "client_id": "erp-sync", "tenant": "acme",
		"scope": "connector-protimeapi-webhooks.read connector-protimeapi-clockings.read",
		"iat":   now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
}

func TestExternalAlgorithms(t *testing.T) {
	rsaK, ec256, ec384, ed := generated(t)
	keys := []signingKey{
		{jose.RS256, "rsa-256", rsaK},
		{jose.RS384, "rsa-384", rsaK},
		{jose.RS512, "rsa-512", rsaK},
		{jose.PS256, "rsa-pss", rsaK},
		{jose.ES256, "ec-256", ec256},
		{jose.ES384, "ec-384", ec384},
		{jose.EdDSA, "ed", ed},
	}
	p := newProvider(t)
	for _, k := range keys {
		p.publish(k.public())
	}
	c := newClock()
	e := newExternal(t, p, c)
	for _, k := range keys {
		t.Run(string(k.alg), func(t *testing.T) {
			tok := sign(t, k.alg, k.key, k.kid, "", externalClaimsFor(p, c.Now()))
			claims, err := e.Verify(context.Background(), tok, "acme")
			if err != nil {
				t.Fatal(err)
			}
			want := []string{shiftwire.ScopeWebhooksRead, shiftwire.ReadScope("clockings")}
			if claims.Tenant != "acme" || claims.ClientID != "erp-sync" || !slices.Equal(claims.Scopes, want) {
				t.Fatalf("claims %+v", claims)
			}
		})
	}
	if d, j := p.hits(); d != 1 || j != 1 {
		t.Fatalf("%d discovery and %d JWKS requests, want one each", d, j)
	}
}

func TestExternalClaimVariants(t *testing.T) {
	_, ec256, _, _ := generated(t)
	k := signingKey{jose.ES256, "ec", ec256}
	p := newProvider(t)
	p.publish(k.public())
	c := newClock()
	e := newExternal(t, p, c)

	r, w := shiftwire.ScopeWebhooksRead, shiftwire.ScopeWebhooksWrite
	tests := []struct {
		name       string
		edit       func(m map[string]any)
		wantClient string
		wantScopes []string
	}{
		{"scope string", func(m map[string]any) { m["scope"] = r + " " + w }, "erp-sync", []string{r, w}},
		{"scp string", func(m map[string]any) { delete(m, "scope"); m["scp"] = r + " " + w }, "erp-sync", []string{r, w}},
		{"scp array", func(m map[string]any) { delete(m, "scope"); m["scp"] = []string{r, w} }, "erp-sync", []string{r, w}},
		{"empty scope falls back to scp", func(m map[string]any) { m["scope"] = ""; m["scp"] = []string{w} }, "erp-sync", []string{w}},
		{"no scopes", func(m map[string]any) { delete(m, "scope") }, "erp-sync", nil},
		{"azp", func(m map[string]any) { delete(m, "client_id"); m["azp"] = "azp-client" }, "azp-client", nil},
		{"sub", func(m map[string]any) { delete(m, "client_id") }, "service-account-7", nil},
		{"one audience of several", func(m map[string]any) { m["aud"] = []string{"api://something-else", testAudience} }, "erp-sync", nil},
		{"RFC 9068 claims", func(m map[string]any) { m["jti"] = "j-1"; m["acr"] = "1"; m["amr"] = []string{"pwd"} }, "erp-sync", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := externalClaimsFor(p, c.Now())
			tt.edit(m)
			claims, err := e.Verify(context.Background(), sign(t, k.alg, k.key, k.kid, "", m), "acme")
			if err != nil {
				t.Fatal(err)
			}
			if claims.ClientID != tt.wantClient {
				t.Errorf("client %q, want %q", claims.ClientID, tt.wantClient)
			}
			if tt.wantScopes != nil && !slices.Equal(claims.Scopes, tt.wantScopes) {
				t.Errorf("scopes %v, want %v", claims.Scopes, tt.wantScopes)
			}
		})
	}
}

func TestExternalRejects(t *testing.T) {
	rsaK, ec256, _, _ := generated(t)
	k := signingKey{jose.RS256, "rsa", rsaK}
	p := newProvider(t)
	p.publish(k.public())
	c := newClock()
	e := newExternal(t, p, c)
	now := c.Now()

	edit := func(f func(m map[string]any)) map[string]any {
		m := externalClaimsFor(p, now)
		f(m)
		return m
	}
	otherRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		token string
		want  string
	}{
		{"other issuer", sign(t, k.alg, k.key, k.kid, "", edit(func(m map[string]any) { m["iss"] = "https://evil.example" })), descOtherIssuer},
		{"other audience", sign(t, k.alg, k.key, k.kid, "", edit(func(m map[string]any) { m["aud"] = "api://something-else" })), descOtherAudience},
		{"other audiences", sign(t, k.alg, k.key, k.kid, "", edit(func(m map[string]any) { m["aud"] = []string{"erp-sync", "api://x"} })), descOtherAudience},
		{"no audience", sign(t, k.alg, k.key, k.kid, "", edit(func(m map[string]any) { delete(m, "aud") })), descOtherAudience},
		{"other tenant", sign(t, k.alg, k.key, k.kid, "", edit(func(m map[string]any) { m["tenant"] = "globex" })), descOtherTenant},
		{"no tenant", sign(t, k.alg, k.key, k.kid, "", edit(func(m map[string]any) { delete(m, "tenant") })), descOtherTenant},
		{"expired", sign(t, k.alg, k.key, k.kid, "", edit(func(m map[string]any) { m["exp"] = now.Add(-time.Minute).Unix() })), descExpired},
		{"no exp", sign(t, k.alg, k.key, k.kid, "", edit(func(m map[string]any) { delete(m, "exp") })), descNoExpiry},
		{"not yet valid", sign(t, k.alg, k.key, k.kid, "", edit(func(m map[string]any) { m["nbf"] = now.Add(time.Minute).Unix() })), descNotYetValid},
		{"no client", sign(t, k.alg, k.key, k.kid, "", edit(func(m map[string]any) { delete(m, "client_id"); delete(m, "sub") })), descNoClient},
		{"bad scope type", sign(t, k.alg, k.key, k.kid, "", edit(func(m map[string]any) { m["scope"] = 42 })), descMalformed},
		{"other key same kid", sign(t, k.alg, otherRSA, k.kid, "", externalClaimsFor(p, now)), descSignature},
		{"unknown kid", sign(t, k.alg, otherRSA, "unknown", "", externalClaimsFor(p, now)), descUnknownKey},
		{"alg does not match the key", sign(t, jose.ES256, ec256, k.kid, "", externalClaimsFor(p, now)), descUnknownKey},
		{"HMAC", sign(t, jose.HS256, []byte(strings.Repeat("s", 32)), k.kid, "", externalClaimsFor(p, now)), descAlgorithm},
		{"garbage", "not-a-token", descMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Verify(context.Background(), tt.token, "acme")
			assertInvalidToken(t, err, tt.want, tt.token)
		})
	}
}

// A key is tried even when the token names no kid, and a key declaring another use is not.
func TestExternalKeySelection(t *testing.T) {
	_, ec256, _, ed := generated(t)
	p := newProvider(t)
	p.publish(jose.JSONWebKey{Key: ec256.Public(), KeyID: "enc", Use: "enc"})
	p.publish(jose.JSONWebKey{Key: ed.Public(), KeyID: "ed"})
	// An entry go-jose cannot read and a symmetric key must be skipped, not spoil the set.
	p.extraJWKS = []json.RawMessage{
		json.RawMessage(`{"kty":"weird","kid":"x"}`),
		json.RawMessage(`{"kty":"oct","kid":"sym","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}`),
	}
	c := newClock()
	e := newExternal(t, p, c)
	if _, err := e.Verify(context.Background(), sign(t, jose.EdDSA, ed, "", "", externalClaimsFor(p, c.Now())), "acme"); err != nil {
		t.Fatalf("token without kid: %v", err)
	}
	tok := sign(t, jose.ES256, ec256, "enc", "", externalClaimsFor(p, c.Now()))
	_, err := e.Verify(context.Background(), tok, "acme")
	assertInvalidToken(t, err, descUnknownKey, tok)
	tok = sign(t, jose.HS256, []byte(strings.Repeat("s", 32)), "sym", "", externalClaimsFor(p, c.Now()))
	_, err = e.Verify(context.Background(), tok, "acme")
	assertInvalidToken(t, err, descAlgorithm, tok)
}

func TestExternalRefresh(t *testing.T) {
	_, ec256, ec384, _ := generated(t)
	first := signingKey{jose.ES256, "first", ec256}
	second := signingKey{jose.ES384, "second", ec384}
	p := newProvider(t)
	p.publish(first.public())
	c := newClock()
	e := newExternal(t, p, c)
	ctx := context.Background()
	verify := func(k signingKey) error {
		_, err := e.Verify(ctx, sign(t, k.alg, k.key, k.kid, "", externalClaimsFor(p, c.Now())), "acme")
		return err
	}
	wantHits := func(step string, want int32) {
		t.Helper()
		if d, j := p.hits(); d != want || j != want {
			t.Fatalf("%s: %d discovery and %d JWKS fetches, want %d", step, d, j, want)
		}
	}

	if err := verify(first); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := verify(first); err != nil {
			t.Fatal(err)
		}
	}
	wantHits("cached", 1)

	// The provider rotates in a new key ten seconds later: the first fetch was too recent
	// to fetch again.
	p.publish(second.public())
	c.Advance(10 * time.Second)
	if err := verify(second); err == nil {
		t.Fatal("the new key was accepted before the set was fetched")
	}
	wantHits("unknown kid within a minute", 1)

	c.Advance(time.Minute)
	if err := verify(second); err != nil {
		t.Fatalf("the rotated key: %v", err)
	}
	wantHits("unknown kid after a minute", 2)

	// Garbage kids cannot make Shiftwire hammer the provider.
	other := signingKey{jose.ES256, "garbage", ec256}
	for range 5 {
		_ = verify(other)
	}
	wantHits("garbage kids", 2)

	// An hour later the set is fetched again even for known keys.
	c.Advance(time.Hour)
	if err := verify(first); err != nil {
		t.Fatal(err)
	}
	wantHits("hourly", 3)

	// A failed hourly refresh keeps the old keys in use and is retried a minute later.
	c.Advance(time.Hour)
	p.setDown(true)
	if err := verify(first); err != nil {
		t.Fatalf("old keys not used while the provider is down: %v", err)
	}
	d, _ := p.hits()
	if err := verify(first); err != nil {
		t.Fatal(err)
	}
	if d2, _ := p.hits(); d2 != d {
		t.Fatal("a failed refresh was retried at once")
	}
	p.setDown(false)
	c.Advance(time.Minute)
	if err := verify(first); err != nil {
		t.Fatal(err)
	}
	if d3, _ := p.hits(); d3 != d+1 {
		t.Fatalf("refresh not retried after a minute: %d fetches, want %d", d3, d+1)
	}
}

func TestExternalProviderDown(t *testing.T) {
	_, ec256, _, _ := generated(t)
	k := signingKey{jose.ES256, "k", ec256}
	p := newProvider(t)
	p.publish(k.public())
	p.setDown(true)
	c := newClock()
	e := newExternal(t, p, c)
	tok := sign(t, k.alg, k.key, k.kid, "", externalClaimsFor(p, c.Now()))

	_, err := e.Verify(context.Background(), tok, "acme")
	var ae *shiftwire.AuthError
	if err == nil || errors.As(err, &ae) {
		t.Fatalf("err = %v, want a server-side error, not an AuthError", err)
	}
	if shiftwire.ErrorCodeOf(err) != shiftwire.EInternal {
		t.Fatalf("code %q, want internal", shiftwire.ErrorCodeOf(err))
	}
	assertNoLeak(t, err.Error(), tok)

	// The provider comes back: the next try a few seconds later succeeds.
	p.setDown(false)
	c.Advance(noKeysRetryInterval)
	if _, err := e.Verify(context.Background(), tok, "acme"); err != nil {
		t.Fatal(err)
	}
}

func TestExternalDiscoveryIssuerMismatch(t *testing.T) {
	_, ec256, _, _ := generated(t)
	k := signingKey{jose.ES256, "k", ec256}
	p := newProvider(t)
	p.publish(k.public())
	p.issuerOverride = "https://someone-else.example"
	c := newClock()
	e := newExternal(t, p, c)
	_, err := e.Verify(context.Background(), sign(t, k.alg, k.key, k.kid, "", externalClaimsFor(p, c.Now())), "acme")
	if err == nil || !strings.Contains(err.Error(), "someone-else") {
		t.Fatalf("err = %v, want an issuer mismatch", err)
	}
}

func TestExternalConcurrentFetchOnce(t *testing.T) {
	_, ec256, _, _ := generated(t)
	k := signingKey{jose.ES256, "k", ec256}
	p := newProvider(t)
	p.publish(k.public())
	c := newClock()
	e := newExternal(t, p, c)
	tok := sign(t, k.alg, k.key, k.kid, "", externalClaimsFor(p, c.Now()))
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := e.Verify(context.Background(), tok, "acme"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if d, j := p.hits(); d != 1 || j != 1 {
		t.Fatalf("%d discovery and %d JWKS fetches, want one each", d, j)
	}
}

func TestVerifierWithExternal(t *testing.T) {
	rsaK, _, _, _ := generated(t)
	k := signingKey{jose.RS256, "rsa", rsaK}
	p := newProvider(t)
	p.publish(k.public())
	c := newClock()
	i := NewIssuer(testSigningKey(1), c.Now)
	v := NewVerifier(i, newExternal(t, p, c))
	ctx := context.Background()

	own := issue(t, i, "acme")
	if claims, err := v.Verify(ctx, own, "acme"); err != nil || claims.ClientID != "client-1" {
		t.Fatalf("own token: %+v, %v", claims, err)
	}
	if d, _ := p.hits(); d != 0 {
		t.Fatal("an own token made the verifier contact the provider")
	}
	ext := sign(t, k.alg, k.key, k.kid, "", externalClaimsFor(p, c.Now()))
	if claims, err := v.Verify(ctx, ext, "acme"); err != nil || claims.ClientID != "erp-sync" {
		t.Fatalf("external token: %+v, %v", claims, err)
	}
	_, err := v.Verify(ctx, ext, "globex")
	assertInvalidToken(t, err, descOtherTenant, ext)
}

// Only access tokens are accepted: a token typed at+jwt (RFC 9068) is one by declaration; a
// token typed JWT, or not typed, is refused when it carries a claim only ID tokens have.
func TestExternalAccessTokensOnly(t *testing.T) {
	_, ec256, _, _ := generated(t)
	k := signingKey{jose.ES256, "ec", ec256}
	p := newProvider(t)
	p.publish(k.public())
	c := newClock()
	e := newExternal(t, p, c)
	with := func(claim string, v any) map[string]any {
		m := externalClaimsFor(p, c.Now())
		if claim != "" {
			m[claim] = v
		}
		return m
	}
	tests := []struct {
		name   string
		typ    string
		claims map[string]any
		want   string // "" when accepted
	}{
		{"at+jwt", "at+jwt", with("", nil), ""},
		{"application/at+jwt", "application/AT+JWT", with("", nil), ""},
		{"at+jwt with auth_time", "at+jwt", with("auth_time", c.Now().Unix()), ""},
		{"JWT", "JWT", with("", nil), ""},
		{"no typ", "", with("", nil), ""},
		{"JWT with nonce", "JWT", with("nonce", "n-0S6_WzA2Mj"), descNotAccessToken},
		{"no typ with at_hash", "", with("at_hash", "77QmUPtjPfzWtF2AnpK9RQ"), descNotAccessToken},
		{"JWT with c_hash", "JWT", with("c_hash", "LDktKdoQak3Pk0cnXxCltA"), descNotAccessToken},
		{"JWT with s_hash", "JWT", with("s_hash", "LDktKdoQak3Pk0cnXxCltA"), descNotAccessToken},
		{"JWT with auth_time", "JWT", with("auth_time", c.Now().Unix()), descNotAccessToken},
		{"JWT with a null nonce", "JWT", with("nonce", nil), descNotAccessToken},
		{"another type", "logout+jwt", with("", nil), descNotAccessToken},
		{"id_token type", "id_token+jwt", with("", nil), descNotAccessToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := sign(t, k.alg, k.key, k.kid, tt.typ, tt.claims)
			_, err := e.Verify(context.Background(), tok, "acme")
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			assertInvalidToken(t, err, tt.want, tok)
		})
	}
}

func TestNewExternalConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  ExternalConfig
		want string // part of the error; "" when accepted
	}{
		{"https", ExternalConfig{Issuer: "https://login.example.com/realms/x", Audience: "api://shiftwire"}, ""},
		{"no audience", ExternalConfig{Issuer: "https://login.example.com"}, "audience"},
		{"http", ExternalConfig{Issuer: "http://login.example.com", Audience: "a"}, "https"},
		{"http in development", ExternalConfig{Issuer: "http://127.0.0.1:9000", Audience: "a", AllowHTTP: true}, ""},
		{"another scheme", ExternalConfig{Issuer: "ftp://login.example.com", Audience: "a", AllowHTTP: true}, "https"},
		{"no host", ExternalConfig{Issuer: "https:///realms/x", Audience: "a"}, "host"},
		{"a query", ExternalConfig{Issuer: "https://login.example.com/?tenant=x", Audience: "a"}, "query"},
		{"a fragment", ExternalConfig{Issuer: "https://login.example.com/#x", Audience: "a"}, "query"},
		{"not a URL", ExternalConfig{Issuer: "login example", Audience: "a"}, "https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := NewExternal(tt.cfg)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				// Every fetch is bounded in time and follows redirects only by External's rule.
				if e.client.Timeout != fetchTimeout || e.client.CheckRedirect == nil {
					t.Errorf("client timeout %v, redirect policy set %v", e.client.Timeout, e.client.CheckRedirect != nil)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}

	// A client of the caller keeps its own shorter timeout, but never its redirect policy.
	follow := &http.Client{Timeout: time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	e, err := NewExternal(ExternalConfig{Issuer: "https://login.example.com", Audience: "a", Client: follow})
	if err != nil {
		t.Fatal(err)
	}
	if e.client == follow || e.client.Timeout != time.Second || e.client.CheckRedirect(httptest.NewRequest("GET", "https://evil.example/", nil),
		[]*http.Request{httptest.NewRequest("GET", "https://login.example.com/", nil)}) == nil {
		t.Error("the caller's client or its redirect policy is used as is")
	}
	// One without a timeout gets fetchTimeout.
	e, _ = NewExternal(ExternalConfig{Issuer: "https://login.example.com", Audience: "a", Client: &http.Client{}})
	if e.client.Timeout != fetchTimeout {
		t.Errorf("timeout %v, want %v", e.client.Timeout, fetchTimeout)
	}
}

// The key set is fetched over https too, whatever the discovery document says.
func TestExternalJWKSOverHTTPS(t *testing.T) {
	_, ec256, _, _ := generated(t)
	k := signingKey{jose.ES256, "k", ec256}
	p := newProvider(t)
	p.publish(k.public())
	// The same keys, served over plain http.
	plain := httptest.NewServer(p.srv.Config.Handler)
	defer plain.Close()
	p.jwksURI = plain.URL + "/keys"
	c := newClock()
	e := newExternal(t, p, c)
	_, err := e.Verify(context.Background(), sign(t, k.alg, k.key, k.kid, "", externalClaimsFor(p, c.Now())), "acme")
	if err == nil || !strings.Contains(err.Error(), "jwks_uri") {
		t.Fatalf("err = %v, want the http jwks_uri refused", err)
	}
	if _, j := p.hits(); j != 0 {
		t.Fatal("the key set was fetched over http")
	}
}

// Redirects are followed on the provider's own host only.
func TestExternalRedirects(t *testing.T) {
	_, ec256, _, _ := generated(t)
	k := signingKey{jose.ES256, "k", ec256}

	p := newProvider(t)
	p.publish(k.public())
	p.redirect = "/moved/openid-configuration"
	c := newClock()
	tok := sign(t, k.alg, k.key, k.kid, "", externalClaimsFor(p, c.Now()))
	if _, err := newExternal(t, p, c).Verify(context.Background(), tok, "acme"); err != nil {
		t.Fatalf("redirect on the same host: %v", err)
	}

	// Another server (with the same test certificate, so only the rule can refuse it) serves
	// a perfectly good document for p.
	other := newProvider(t)
	other.issuerOverride = p.srv.URL
	other.jwksURI = p.srv.URL + "/keys"
	p.redirect = other.srv.URL + "/.well-known/openid-configuration"
	_, err := newExternal(t, p, c).Verify(context.Background(), tok, "acme")
	if err == nil || !strings.Contains(err.Error(), "another host") {
		t.Fatalf("err = %v, want the redirect to another host refused", err)
	}
	if d, _ := other.hits(); d != 0 {
		t.Fatal("the redirect to another host was followed")
	}
}

func TestExternalRedirectPolicy(t *testing.T) {
	req := func(u string) *http.Request { return httptest.NewRequest(http.MethodGet, u, nil) }
	start := []*http.Request{req("https://login.example.com/.well-known/openid-configuration")}
	tests := []struct {
		name      string
		allowHTTP bool
		to        string
		via       []*http.Request
		ok        bool
	}{
		{"same host", false, "https://login.example.com/realms/x/config", start, true},
		{"same host, other case", false, "https://LOGIN.example.com/config", start, true},
		{"other host", false, "https://evil.example/config", start, false},
		{"sub-domain", false, "https://a.login.example.com/config", start, false},
		{"other port", false, "https://login.example.com:8443/config", start, false},
		{"down to http", false, "http://login.example.com/config", start, false},
		{"http in development", true, "http://login.example.com/config", start, true},
		{"a third", false, "https://login.example.com/3", []*http.Request{start[0], start[0], start[0]}, true},
		{"a fourth", false, "https://login.example.com/4", []*http.Request{start[0], start[0], start[0], start[0]}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := NewExternal(ExternalConfig{Issuer: "https://login.example.com", Audience: "a", AllowHTTP: tt.allowHTTP})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.client.CheckRedirect(req(tt.to), tt.via); (err == nil) != tt.ok {
				t.Fatalf("CheckRedirect = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

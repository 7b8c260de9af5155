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
		iss := p.srv.URL
		if p.issuerOverride != "" {
			iss = p.issuerOverride
		}
		json.NewEncoder(w).Encode(map[string]string{"issuer": iss, "jwks_uri": p.srv.URL + "/keys"})
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
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
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
		"iss": p.srv.URL, "sub": "service-account-7", "client_id": "erp-sync", "tenant": "acme",
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
	e := NewExternal(p.srv.URL, p.srv.Client(), c.Now)
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
	e := NewExternal(p.srv.URL, p.srv.Client(), c.Now)

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
		{"audience is not checked", func(m map[string]any) { m["aud"] = []string{"api://something-else"} }, "erp-sync", nil},
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
	e := NewExternal(p.srv.URL, p.srv.Client(), c.Now)
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
	e := NewExternal(p.srv.URL, p.srv.Client(), c.Now)
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
	e := NewExternal(p.srv.URL, p.srv.Client(), c.Now)
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
	e := NewExternal(p.srv.URL, p.srv.Client(), c.Now)
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
	e := NewExternal(p.srv.URL, p.srv.Client(), c.Now)
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
	e := NewExternal(p.srv.URL, p.srv.Client(), c.Now)
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
	v := NewVerifier(i, NewExternal(p.srv.URL, p.srv.Client(), c.Now))
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

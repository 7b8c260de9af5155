package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/shiftwire/shiftwire"
)

// clock is a settable time source for the code under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func testSigningKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed
	}
	return ed25519.NewKeyFromSeed(s)
}

const testIssuerURL = "http://acme.localhost:8080/tenants/acme"

var testScopes = []string{shiftwire.ScopeWebhooksRead, shiftwire.ReadScope("clockings")}

func issue(t *testing.T, i *Issuer, tenant string) string {
	t.Helper()
	tok, _, err := i.Issue(testIssuerURL, tenant, "client-1", testScopes)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// assertInvalidToken checks that err is an invalid_token AuthError with description and that
// nothing of the token leaks into it.
func assertInvalidToken(t *testing.T, err error, description, token string) {
	t.Helper()
	var ae *shiftwire.AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v (%T), want *shiftwire.AuthError", err, err)
	}
	if ae.Reason != shiftwire.AuthInvalidToken {
		t.Fatalf("reason %q, want invalid_token", ae.Reason)
	}
	if description != "" && ae.Description != description {
		t.Fatalf("description %q, want %q", ae.Description, description)
	}
	assertNoLeak(t, err.Error(), token)
}

// assertNoLeak fails when msg contains token or any of its non-trivial parts.
func assertNoLeak(t *testing.T, msg, token string) {
	t.Helper()
	if token == "" {
		return
	}
	if strings.Contains(msg, token) {
		t.Fatalf("the error %q contains the token", msg)
	}
	for _, part := range strings.Split(token, ".") {
		if len(part) >= 8 && strings.Contains(msg, part) {
			t.Fatalf("the error %q contains part of the token", msg)
		}
	}
}

func decodeSegment(t *testing.T, seg string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestIssueContents(t *testing.T) {
	c := newClock()
	i := NewIssuer(testSigningKey(1), c.Now)
	tok, expiresIn, err := i.Issue(testIssuerURL, "acme", "client-1", testScopes)
	if err != nil {
		t.Fatal(err)
	}
	if expiresIn != 1800 {
		t.Fatalf("expiresIn = %d, want 1800", expiresIn)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	h := decodeSegment(t, parts[0])
	if h["alg"] != "EdDSA" || h["typ"] != "at+jwt" || h["kid"] != i.KeyID() {
		t.Fatalf("header %v", h)
	}
	if len(i.KeyID()) != 16 {
		t.Fatalf("kid %q, want 16 base64url characters", i.KeyID())
	}
	p := decodeSegment(t, parts[1])
	iat := float64(c.Now().Unix())
	want := map[string]any{
		"iss":       testIssuerURL,
		"sub":       "client-1",
		"client_id": "client-1",
		"tenant":    "acme",
		"scope":     strings.Join(testScopes, " "),
		"iat":       iat,
		"nbf":       iat,
		"exp":       iat + 1800,
	}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("claim %s = %v, want %v", k, p[k], v)
		}
	}
	jti, _ := p["jti"].(string)
	if len(jti) < 16 {
		t.Errorf("jti %q is too short to be unique", jti)
	}
	other := decodeSegment(t, strings.Split(issue(t, i, "acme"), ".")[1])
	if other["jti"] == jti {
		t.Error("two tokens share a jti")
	}
}

func TestIssueRejectsBadInput(t *testing.T) {
	i := NewIssuer(testSigningKey(1), newClock().Now)
	cases := []struct {
		tenant, client string
		scopes         []string
	}{
		{"", "c", nil},
		{"acme", "", nil},
		{"acme", "c", []string{""}},
		{"acme", "c", []string{"a b"}},
	}
	for _, tc := range cases {
		if _, _, err := i.Issue(testIssuerURL, tc.tenant, tc.client, tc.scopes); err == nil {
			t.Errorf("Issue(%q, %q, %q) succeeded", tc.tenant, tc.client, tc.scopes)
		}
	}
}

func TestVerifyRoundTrip(t *testing.T) {
	c := newClock()
	i := NewIssuer(testSigningKey(1), c.Now)
	claims, err := i.Verify(issue(t, i, "acme"), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if claims.Tenant != "acme" || claims.ClientID != "client-1" || !slices.Equal(claims.Scopes, testScopes) {
		t.Fatalf("claims %+v", claims)
	}
	p := claims.Principal(42)
	if p.TenantID != 42 || p.ClientID != "client-1" || !p.HasScope(shiftwire.ScopeWebhooksRead) {
		t.Fatalf("principal %+v", p)
	}
}

// Another instance with the same signing key (the same master key) accepts the token.
func TestVerifyAcrossInstances(t *testing.T) {
	c := newClock()
	a := NewIssuer(testSigningKey(1), c.Now)
	b := NewIssuer(testSigningKey(1), c.Now)
	if _, err := b.Verify(issue(t, a, "acme"), "acme"); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyTime(t *testing.T) {
	tests := []struct {
		name    string
		advance time.Duration
		want    string
	}{
		{"fresh", 0, ""},
		{"just before expiry", 1799 * time.Second, ""},
		{"within leeway after expiry", 1829 * time.Second, ""},
		{"expired", 1831 * time.Second, descExpired},
		{"within leeway before nbf", -29 * time.Second, ""},
		{"before nbf", -31 * time.Second, descNotYetValid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			i := NewIssuer(testSigningKey(1), c.Now)
			tok := issue(t, i, "acme")
			c.Advance(tt.advance)
			_, err := i.Verify(tok, "acme")
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

func TestVerifyOtherTenant(t *testing.T) {
	i := NewIssuer(testSigningKey(1), newClock().Now)
	tok := issue(t, i, "acme")
	_, err := i.Verify(tok, "globex")
	assertInvalidToken(t, err, descOtherTenant, tok)
}

// sign signs claims with key, setting kid and typ in the header.
func sign(t *testing.T, alg jose.SignatureAlgorithm, key any, kid, typ string, claims any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func validClaims(now time.Time) map[string]any {
	return map[string]any{
		"iss": testIssuerURL, "sub": "client-1", "client_id": "client-1", "tenant": "acme",
		"scope": "connector-protimeapi-webhooks.read",
		"iat":   now.Unix(), "nbf": now.Unix(), "exp": now.Add(TokenLifetime).Unix(),
	}
}

func TestVerifyRejects(t *testing.T) {
	c := newClock()
	i := NewIssuer(testSigningKey(1), c.Now)
	good := issue(t, i, "acme")
	parts := strings.Split(good, ".")
	now := c.Now()

	// A payload naming another tenant, spliced onto our header and signature.
	forged := validClaims(now)
	forged["tenant"] = "acme"
	forged["scope"] = strings.Join(shiftwire.AllScopes(), " ")
	forgedPayload, _ := json.Marshal(forged)
	spliced := parts[0] + "." + base64.RawURLEncoding.EncodeToString(forgedPayload) + "." + parts[2]

	noExp := validClaims(now)
	delete(noExp, "exp")
	noClient := validClaims(now)
	delete(noClient, "client_id")

	hsKey := []byte(strings.Repeat("k", 32))
	tests := []struct {
		name  string
		token string
		want  string
	}{
		{"empty", "", descMalformed},
		{"one part", "abc", descMalformed},
		{"four parts", good + ".x", descMalformed},
		{"garbage header", "!!!." + parts[1] + "." + parts[2], descMalformed},
		{"too long", parts[0] + "." + strings.Repeat("A", maxTokenLength) + "." + parts[2], descTooLong},
		{"bad signature encoding", parts[0] + "." + parts[1] + ".!!", descMalformed},
		{"spliced payload", spliced, descSignature},
		{"truncated signature", parts[0] + "." + parts[1] + "." + parts[2][:20], descSignature},
		{"other key with our kid", sign(t, jose.EdDSA, testSigningKey(2), i.KeyID(), "at+jwt", validClaims(now)), descSignature},
		{"other key", sign(t, jose.EdDSA, testSigningKey(2), "", "at+jwt", validClaims(now)), descUnknownKey},
		{"HMAC with our kid", sign(t, jose.HS256, hsKey, i.KeyID(), "at+jwt", validClaims(now)), descAlgorithm},
		{"alg none", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"`+i.KeyID()+`","typ":"at+jwt"}`)) + "." + parts[1] + ".", descAlgorithm},
		{"not an access token", sign(t, jose.EdDSA, testSigningKey(1), i.KeyID(), "JWT", validClaims(now)), descMalformed},
		{"no exp", sign(t, jose.EdDSA, testSigningKey(1), i.KeyID(), "at+jwt", noExp), descNoExpiry},
		{"no client", sign(t, jose.EdDSA, testSigningKey(1), i.KeyID(), "at+jwt", noClient), descNoClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := i.Verify(tt.token, "acme")
			assertInvalidToken(t, err, tt.want, tt.token)
		})
	}
}

func TestVerifierRoutesByKeyID(t *testing.T) {
	c := newClock()
	i := NewIssuer(testSigningKey(1), c.Now)
	v := NewVerifier(i, nil)
	tok := issue(t, i, "acme")
	claims, err := v.Verify(context.Background(), tok, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if claims.ClientID != "client-1" {
		t.Fatalf("claims %+v", claims)
	}
	_, err = v.Verify(context.Background(), tok, "globex")
	assertInvalidToken(t, err, descOtherTenant, tok)

	foreign := sign(t, jose.EdDSA, testSigningKey(2), "someone-else", "at+jwt", validClaims(c.Now()))
	_, err = v.Verify(context.Background(), foreign, "acme")
	assertInvalidToken(t, err, descUnknownKey, foreign)

	_, err = v.Verify(context.Background(), "", "acme")
	assertInvalidToken(t, err, descMalformed, "")
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		header string
		token  string
		reason string // "" with token "" means no token was sent
	}{
		{"Bearer abc.def.ghi", "abc.def.ghi", ""},
		{"bearer abc.def.ghi", "abc.def.ghi", ""},
		{"Bearer   abc.def.ghi  ", "abc.def.ghi", ""},
		{"", "", ""},
		{"Basic dXNlcjpwYXNz", "", ""},
		{"Bearer", "", shiftwire.AuthInvalidToken},
		{"Bearer ", "", shiftwire.AuthInvalidToken},
		{"Bearer abc def", "", shiftwire.AuthInvalidToken},
	}
	for _, tt := range tests {
		tok, err := BearerToken(tt.header)
		if tt.token != "" {
			if err != nil || tok != tt.token {
				t.Errorf("BearerToken(%q) = %q, %v", tt.header, tok, err)
			}
			continue
		}
		var ae *shiftwire.AuthError
		if !errors.As(err, &ae) || ae.Reason != tt.reason {
			t.Errorf("BearerToken(%q) err = %#v, want reason %q", tt.header, err, tt.reason)
			continue
		}
		if strings.Contains(err.Error(), "dXNlcjpwYXNz") || strings.Contains(err.Error(), "abc") {
			t.Errorf("BearerToken(%q): the error %q echoes the header", tt.header, err)
		}
	}
}

func TestGrantScopes(t *testing.T) {
	r, w := shiftwire.ScopeWebhooksRead, shiftwire.ScopeWebhooksWrite
	c := shiftwire.ReadScope("clockings")
	allowed := []string{w, r, c}
	tests := []struct {
		requested string
		want      []string
		ok        bool
	}{
		{"", []string{c, r, w}, true},
		{"   ", []string{c, r, w}, true},
		{r, []string{r}, true},
		{w + " " + r + " " + w, []string{r, w}, true},
		{r + " " + shiftwire.WriteScope("clockings"), nil, false},
		{"openid", nil, false},
	}
	for _, tt := range tests {
		got, err := GrantScopes(tt.requested, allowed)
		if !tt.ok {
			var te *TokenError
			if !errors.As(err, &te) || te.Code != TokenInvalidScope || te.StatusCode() != 400 {
				t.Errorf("GrantScopes(%q) err = %v, want invalid_scope", tt.requested, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("GrantScopes(%q) = %v, %v; want %v", tt.requested, got, err, tt.want)
		}
	}
	if !slices.Equal(allowed, []string{w, r, c}) {
		t.Error("GrantScopes modified the allowed scopes")
	}
	if (&TokenError{Code: TokenInvalidClient}).StatusCode() != 401 {
		t.Error("invalid_client must be 401")
	}
}

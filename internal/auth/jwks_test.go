package auth

import (
	"crypto/ed25519"
	"encoding/json"
	"slices"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/shiftwire/shiftwire"
)

// A client that knows nothing of Shiftwire verifies an issued token with the published set.
func TestJWKSVerifiesIssuedToken(t *testing.T) {
	c := newClock()
	i := NewIssuer(testSigningKey(1), c.Now)
	tok := issue(t, i, "acme")

	var set jose.JSONWebKeySet
	if err := json.Unmarshal(i.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		t.Fatal(err)
	}
	keys := set.Key(parsed.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("%d keys for the token's kid", len(keys))
	}
	if !keys[0].IsPublic() {
		t.Fatal("the published key is not public")
	}
	var claims jwt.Claims
	var extra struct {
		Tenant string `json:"tenant"`
	}
	if err := parsed.Claims(keys[0].Key, &claims, &extra); err != nil {
		t.Fatalf("verification with the published key: %v", err)
	}
	if err := claims.Validate(jwt.Expected{Issuer: testIssuerURL, Time: c.Now()}); err != nil {
		t.Fatal(err)
	}
	if extra.Tenant != "acme" {
		t.Fatalf("tenant %q", extra.Tenant)
	}
}

func TestJWKSShape(t *testing.T) {
	key := testSigningKey(1)
	i := NewIssuer(key, newClock().Now)
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(i.JWKS(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Keys) != 1 {
		t.Fatalf("%d keys", len(doc.Keys))
	}
	k := doc.Keys[0]
	want := map[string]any{"kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA", "kid": i.KeyID()}
	for name, v := range want {
		if k[name] != v {
			t.Errorf("%s = %v, want %v", name, k[name], v)
		}
	}
	if _, ok := k["d"]; ok {
		t.Fatal("the JWKS contains the private key")
	}
	var parsed jose.JSONWebKey
	b, _ := json.Marshal(k)
	if err := parsed.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	if !parsed.Key.(ed25519.PublicKey).Equal(key.Public()) {
		t.Fatal("the published key is not the signing key's public key")
	}
	// Callers may scribble on the result without changing what is served next.
	out := i.JWKS()
	out[0] = 'X'
	if i.JWKS()[0] != '{' {
		t.Fatal("JWKS returned its internal buffer")
	}
	// Every instance with the same key publishes the same set.
	if string(NewIssuer(testSigningKey(1), nil).JWKS()) != string(i.JWKS()) {
		t.Fatal("two instances with one key publish different sets")
	}
}

func TestDiscoveryDocument(t *testing.T) {
	base := "http://acme.localhost:8080/tenants/acme"
	doc := DiscoveryDocument(base, base+"/.well-known/jwks.json", base+"/connect/token", shiftwire.AllScopes())
	var d map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	strs := func(name string) []string {
		raw, _ := d[name].([]any)
		var out []string
		for _, v := range raw {
			out = append(out, v.(string))
		}
		return out
	}
	if d["issuer"] != base || d["jwks_uri"] != base+"/.well-known/jwks.json" || d["token_endpoint"] != base+"/connect/token" {
		t.Fatalf("urls: %v", d)
	}
	checks := map[string][]string{
		"grant_types_supported":                     {"client_credentials"},
		"token_endpoint_auth_methods_supported":     {"client_secret_post", "client_secret_basic"},
		"response_types_supported":                  {"token"},
		"id_token_signing_alg_values_supported":     {"EdDSA"},
		"access_token_signing_alg_values_supported": {"EdDSA"},
		"scopes_supported":                          shiftwire.AllScopes(),
	}
	for name, want := range checks {
		if got := strs(name); !slices.Equal(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	var empty map[string]any
	_ = json.Unmarshal(DiscoveryDocument(base, base, base, nil), &empty)
	if s, ok := empty["scopes_supported"].([]any); !ok || len(s) != 0 {
		t.Errorf("scopes_supported without scopes = %v, want []", empty["scopes_supported"])
	}
}

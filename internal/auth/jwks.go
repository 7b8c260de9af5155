package auth

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"slices"

	jose "github.com/go-jose/go-jose/v4"
)

// publicJWKS renders the JSON Web Key Set holding pub, once, at NewIssuer.
func publicJWKS(pub ed25519.PublicKey, kid string) []byte {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key:       pub,
		KeyID:     kid,
		Algorithm: string(jose.EdDSA),
		Use:       "sig",
	}}}
	b, err := json.Marshal(set)
	if err != nil {
		// An Ed25519 public key always marshals; failing here is a broken build.
		panic("auth: cannot render the JSON Web Key Set")
	}
	return b
}

// JWKS returns the JSON Web Key Set (RFC 7517) that verifies the issuer's tokens, the body of
// the jwks_uri: one OKP key on curve Ed25519 with use "sig", alg "EdDSA" and the issuer's kid.
// It holds no private part and is the same on every tenant and every instance sharing the
// master key.
func (i *Issuer) JWKS() []byte {
	return bytes.Clone(i.jwks)
}

// discovery is the OpenID Provider Metadata (OpenID Connect Discovery 1.0, RFC 8414) that
// Shiftwire publishes per tenant.
type discovery struct {
	Issuer                            string   `json:"issuer"`
	JWKSURI                           string   `json:"jwks_uri"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	TokenSigningAlgValuesSupported    []string `json:"access_token_signing_alg_values_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
}

// DiscoveryDocument returns the OpenID configuration of one tenant, the body of
// /tenants/{tenant}/.well-known/openid-configuration. issuerURL must be the iss that Issue
// puts in the tenant's tokens, and the three URLs absolute, since discovery clients resolve
// nothing. scopes lists the scopes a client may request, normally shiftwire.AllScopes().
//
// Only the client credentials grant exists, so there is no authorization endpoint and no ID
// token; the id_token algorithm field is still filled because OpenID discovery requires it
// and some client libraries refuse a document without it.
func DiscoveryDocument(issuerURL, jwksURI, tokenEndpoint string, scopes []string) []byte {
	d := discovery{
		Issuer:                            issuerURL,
		JWKSURI:                           jwksURI,
		TokenEndpoint:                     tokenEndpoint,
		GrantTypesSupported:               []string{"client_credentials"},
		TokenEndpointAuthMethodsSupported: []string{"client_secret_post", "client_secret_basic"},
		ScopesSupported:                   slices.Clone(scopes),
		ResponseTypesSupported:            []string{"token"},
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  []string{string(jose.EdDSA)},
		TokenSigningAlgValuesSupported:    []string{string(jose.EdDSA)},
		ClaimsSupported:                   []string{"iss", "sub", "client_id", "tenant", "scope", "iat", "nbf", "exp", "jti"},
	}
	if d.ScopesSupported == nil {
		d.ScopesSupported = []string{}
	}
	b, err := json.Marshal(d)
	if err != nil {
		panic("auth: cannot render the discovery document")
	}
	return b
}

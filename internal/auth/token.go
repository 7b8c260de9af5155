package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/shiftwire/shiftwire"
)

// TokenLifetime is how long an access token is valid: 1800 seconds, as Protime's token
// endpoint answers in expires_in.
const TokenLifetime = 1800 * time.Second

// leeway absorbs clock differences between instances, and between Shiftwire and an external
// provider, when checking exp, nbf and iat.
const leeway = 30 * time.Second

// maxTokenLength bounds the tokens worth parsing. Ours are well under 1 KiB; external
// providers with many claims stay under a few KiB. Anything larger is refused before any
// decoding work.
const maxTokenLength = 16 << 10

// accessTokenType is the typ header of RFC 9068 JWT access tokens. Requiring it on our own
// tokens keeps any other JWT signed with the same key from being used as an access token.
const accessTokenType = "at+jwt"

// The descriptions of invalid_token errors. They tell the client what to do next (usually:
// get a new token) and never include the token.
const (
	descMalformed      = "the access token is malformed"
	descExpired        = "the access token has expired"
	descNotYetValid    = "the access token is not valid yet"
	descOtherTenant    = "the access token was issued for another tenant"
	descSignature      = "the access token signature is invalid"
	descUnknownKey     = "the access token was signed with an unknown key"
	descAlgorithm      = "the access token is signed with an unsupported algorithm"
	descOtherIssuer    = "the access token was issued by an unknown issuer"
	descOtherAudience  = "the access token was issued for another audience"
	descNotAccessToken = "the token is not an access token (an ID token cannot be used here)"
	descNoClient       = "the access token names no client"
	descNoExpiry       = "the access token has no expiry"
	descTooLong        = "the access token is too long"
	descMissingToken   = "an access token is required"
)

// invalidToken returns the invalid_token AuthError with description.
func invalidToken(description string) error {
	return &shiftwire.AuthError{Reason: shiftwire.AuthInvalidToken, Description: description}
}

// Claims is what a verified access token says about its bearer.
type Claims struct {
	Tenant   string
	ClientID string
	Scopes   []string
}

// Principal returns the request principal for the claims, given the id of the tenant the
// request is for (the tenant whose name Verify checked).
func (c *Claims) Principal(tenantID int64) *shiftwire.Principal {
	return &shiftwire.Principal{TenantID: tenantID, ClientID: c.ClientID, Scopes: slices.Clone(c.Scopes)}
}

// Issuer signs and verifies Shiftwire's own access tokens with one Ed25519 key. It is safe
// for concurrent use.
type Issuer struct {
	pub    ed25519.PublicKey
	kid    string
	signer jose.Signer
	jwks   []byte
	now    func() time.Time
}

// tokenClaims is the payload of our access tokens.
type tokenClaims struct {
	jwt.Claims
	ClientID string `json:"client_id"`
	Tenant   string `json:"tenant"`
	Scope    string `json:"scope"`
}

// NewIssuer returns an Issuer that signs with key and reads the time from now (time.Now when
// nil). The key normally comes from masterkey.TokenSigningKey. It panics when key is not an
// Ed25519 private key, which is a wiring mistake rather than a runtime condition.
func NewIssuer(key ed25519.PrivateKey, now func() time.Time) *Issuer {
	if len(key) != ed25519.PrivateKeySize {
		panic("auth: NewIssuer needs an Ed25519 private key")
	}
	if now == nil {
		now = time.Now
	}
	pub := key.Public().(ed25519.PublicKey)
	kid := keyID(pub)
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType(accessTokenType),
	)
	if err != nil {
		panic("auth: cannot create the token signer")
	}
	return &Issuer{pub: pub, kid: kid, signer: signer, jwks: publicJWKS(pub, kid), now: now}
}

// keyID names a public key: base64url of the first 12 bytes of its SHA-256. It is stable
// for a key, so every instance sharing the master key publishes the same kid.
func keyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// KeyID returns the kid of the issuer's key, as in token headers and the JWKS.
func (i *Issuer) KeyID() string { return i.kid }

// Issue returns a signed access token for clientID of tenantName with scopes, and its
// lifetime in seconds for the expires_in field. issuerURL becomes the iss claim; it should
// be the issuer of the tenant's discovery document. Checking the client and its scopes is
// the caller's job (see GrantScopes).
func (i *Issuer) Issue(issuerURL, tenantName, clientID string, scopes []string) (token string, expiresIn int, err error) {
	if tenantName == "" || clientID == "" {
		return "", 0, errors.New("auth: a token needs a tenant and a client")
	}
	for _, s := range scopes {
		if s == "" || strings.ContainsFunc(s, isSpace) {
			return "", 0, fmt.Errorf("auth: invalid scope %q", s)
		}
	}
	jti, err := randomString(16)
	if err != nil {
		return "", 0, err
	}
	now := i.now()
	claims := tokenClaims{
		Claims: jwt.Claims{
			Issuer:    issuerURL,
			Subject:   clientID,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			Expiry:    jwt.NewNumericDate(now.Add(TokenLifetime)),
			ID:        jti,
		},
		ClientID: clientID,
		Tenant:   tenantName,
		Scope:    strings.Join(scopes, " "),
	}
	token, err = jwt.Signed(i.signer).Claims(claims).Serialize()
	if err != nil {
		return "", 0, fmt.Errorf("auth: signing a token: %w", err)
	}
	return token, int(TokenLifetime / time.Second), nil
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// Verify checks an access token issued by i for a request to tenantName: the EdDSA signature
// with our key, exp and nbf with a 30-second leeway, and the tenant claim. Every failure is a
// *shiftwire.AuthError with reason invalid_token.
func (i *Issuer) Verify(raw, tenantName string) (*Claims, error) {
	h, err := peekHeader(raw)
	if err != nil {
		return nil, err
	}
	if h.Alg != string(jose.EdDSA) {
		return nil, invalidToken(descAlgorithm)
	}
	if h.Kid != i.kid {
		return nil, invalidToken(descUnknownKey)
	}
	if !strings.EqualFold(h.Typ, accessTokenType) && !strings.EqualFold(h.Typ, "application/"+accessTokenType) {
		return nil, invalidToken(descMalformed)
	}
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return nil, invalidToken(descMalformed)
	}
	payload, err := jws.Verify(i.pub)
	if err != nil {
		return nil, invalidToken(descSignature)
	}
	var c tokenClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, invalidToken(descMalformed)
	}
	if c.Tenant != tenantName {
		return nil, invalidToken(descOtherTenant)
	}
	if c.ClientID == "" {
		return nil, invalidToken(descNoClient)
	}
	if err := validateTime(c.Claims, i.now()); err != nil {
		return nil, err
	}
	return &Claims{Tenant: c.Tenant, ClientID: c.ClientID, Scopes: strings.Fields(c.Scope)}, nil
}

// validateTime checks exp, which is required, and nbf and iat, which are optional.
func validateTime(c jwt.Claims, now time.Time) error {
	if c.Expiry == nil {
		return invalidToken(descNoExpiry)
	}
	switch err := c.ValidateWithLeeway(jwt.Expected{Time: now}, leeway); {
	case err == nil:
		return nil
	case errors.Is(err, jwt.ErrExpired):
		return invalidToken(descExpired)
	case errors.Is(err, jwt.ErrNotValidYet), errors.Is(err, jwt.ErrIssuedInTheFuture):
		return invalidToken(descNotYetValid)
	default:
		return invalidToken(descMalformed)
	}
}

// header is the part of a JOSE header that decides who verifies a token.
type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// peekHeader decodes the header of a compact JWS without verifying anything, to choose the
// verifier and refuse unusable tokens cheaply.
func peekHeader(raw string) (header, error) {
	var h header
	if raw == "" {
		return h, invalidToken(descMalformed)
	}
	if len(raw) > maxTokenLength {
		return h, invalidToken(descTooLong)
	}
	first, _, ok := strings.Cut(raw, ".")
	if !ok || strings.Count(raw, ".") != 2 {
		return h, invalidToken(descMalformed)
	}
	b, err := base64.RawURLEncoding.DecodeString(first)
	if err != nil || json.Unmarshal(b, &h) != nil {
		return h, invalidToken(descMalformed)
	}
	return h, nil
}

// randomString returns n random bytes, base64url-encoded without padding.
func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: reading random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// BearerToken extracts the token from an Authorization header value (RFC 6750 section 2.1).
// An empty header, or another scheme such as Basic, means no token was sent: the error is an
// AuthError without a reason, answered with a bare "Bearer" challenge. "Bearer" followed by
// nothing usable is an invalid_token error.
func BearerToken(authorization string) (string, error) {
	scheme, token, _ := strings.Cut(strings.TrimSpace(authorization), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", &shiftwire.AuthError{Description: descMissingToken}
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", invalidToken(descMalformed)
	}
	return token, nil
}

// Verifier verifies the access tokens of connector API requests: Shiftwire's own, and those
// of an external OpenID provider when one is configured. It is safe for concurrent use.
type Verifier struct {
	issuer   *Issuer
	external *External
	clients  *clientCheck // nil: tokens are not checked against the clients that exist
}

// NewVerifier returns a Verifier for tokens of issuer and, when external is not nil, of an
// external OpenID provider.
func NewVerifier(issuer *Issuer, external *External) *Verifier {
	return &Verifier{issuer: issuer, external: external}
}

// Verify checks raw for a request to tenantName. A token whose header kid is our key's goes
// to the Issuer; any other goes to the external provider, or is rejected when there is none.
// Verification failures are *shiftwire.AuthError values with reason invalid_token; any other
// error means the external provider's keys could not be fetched, or the clients could not be
// read (see RequireClients), and is a server failure.
func (v *Verifier) Verify(ctx context.Context, raw, tenantName string) (*Claims, error) {
	h, err := peekHeader(raw)
	if err != nil {
		return nil, err
	}
	if h.Kid == v.issuer.kid {
		claims, err := v.issuer.Verify(raw, tenantName)
		if err != nil || v.clients == nil {
			return claims, err
		}
		if err := v.clients.check(ctx, tenantName, claims.ClientID); err != nil {
			return nil, err
		}
		return claims, nil
	}
	if v.external != nil {
		return v.external.Verify(ctx, raw, tenantName)
	}
	return nil, invalidToken(descUnknownKey)
}

// The OAuth 2.0 token endpoint error codes of RFC 6749 section 5.2.
const (
	TokenInvalidRequest       = "invalid_request"
	TokenInvalidClient        = "invalid_client"
	TokenInvalidGrant         = "invalid_grant"
	TokenUnauthorizedClient   = "unauthorized_client"
	TokenUnsupportedGrantType = "unsupported_grant_type"
	TokenInvalidScope         = "invalid_scope"
)

// TokenError is an error of the token endpoint, answered in the RFC 6749 form
// {"error": Code, "error_description": Description} that OAuth client libraries understand.
type TokenError struct {
	Code        string
	Description string
}

// Error returns the code and description, the form a log line wants.
func (e *TokenError) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// StatusCode returns the HTTP status of the error: 401 for invalid_client, which RFC 6749
// pairs with a WWW-Authenticate challenge, and 400 for the others.
func (e *TokenError) StatusCode() int {
	if e.Code == TokenInvalidClient {
		return http.StatusUnauthorized
	}
	return http.StatusBadRequest
}

// GrantScopes returns the scopes to put in a token for the space-separated scope parameter
// requested by a client allowed the scopes in allowed. Without a scope parameter the client
// gets all of its scopes (RFC 6749 section 3.3 lets the server choose a default). Asking for a
// scope the client does not hold is an invalid_scope TokenError rather than a silently
// smaller token, so a misconfigured client learns why its calls will fail. The result is
// sorted and free of duplicates.
func GrantScopes(requested string, allowed []string) ([]string, error) {
	want := strings.Fields(requested)
	if len(want) == 0 {
		want = slices.Clone(allowed)
	}
	for _, s := range want {
		if !slices.Contains(allowed, s) {
			if len(s) > 100 {
				s = s[:100] + "..."
			}
			return nil, &TokenError{Code: TokenInvalidScope, Description: fmt.Sprintf("the client may not request the scope %q", s)}
		}
	}
	slices.Sort(want)
	return slices.Compact(want), nil
}

package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// externalAlgorithms are the signature algorithms accepted from an external provider: the
// asymmetric ones identity providers use. HMAC algorithms are excluded on purpose, since a
// public key must never double as a shared secret.
var externalAlgorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.PS256, jose.EdDSA,
}

// How often External refreshes the provider's keys: every hour in any case, so a removed key
// stops being trusted; at most once a minute when a token names a kid it does not know, so
// a key rotation is picked up at once but garbage kids cannot make it hammer the provider;
// and every few seconds while it has no keys at all, so a provider that was down at start-up
// is usable as soon as it is back.
const (
	keyRefreshInterval   = time.Hour
	unknownKeyRefreshMin = time.Minute
	noKeysRetryInterval  = 5 * time.Second
)

// fetchTimeout bounds one discovery or JWKS request. Requests of clients whose tokens wait
// for the fetch wait at most this long.
const fetchTimeout = 10 * time.Second

// maxMetadataSize bounds a discovery document or key set read from the provider.
const maxMetadataSize = 1 << 20

// maxRedirects bounds the redirects followed for one discovery or JWKS request.
const maxRedirects = 3

// External verifies access tokens issued by an external OpenID provider, with the keys it
// publishes at the jwks_uri of its discovery document. It is safe for concurrent use.
type External struct {
	issuer    string
	audience  string
	allowHTTP bool
	client    *http.Client
	now       func() time.Time

	// fetchMu lets one goroutine at a time talk to the provider; the others wait for its
	// result instead of sending the same requests.
	fetchMu sync.Mutex

	mu          sync.Mutex
	keys        []jose.JSONWebKey // public signing keys of the last successful fetch
	fetchedAt   time.Time         // time of the last successful fetch
	attemptedAt time.Time         // time of the last fetch, successful or not
}

// ExternalConfig says which provider an External trusts, for which audience, and how it
// reaches the provider.
type ExternalConfig struct {
	// Issuer is the provider's issuer identifier: tokens must carry it in iss, and the
	// discovery document is read from Issuer + "/.well-known/openid-configuration". It must
	// be an https URL unless AllowHTTP.
	Issuer string
	// Audience is the identifier the provider gives Shiftwire's API: tokens must list it in
	// aud. Required, or a token the provider issued for any other application would do.
	Audience string
	// AllowHTTP lets the issuer and its jwks_uri be http URLs, for development only.
	AllowHTTP bool
	// Client makes the requests to the provider: http.DefaultTransport with a 10-second
	// timeout when nil. Its redirect policy is replaced by External's own.
	Client *http.Client
	// Now reads the time; time.Now when nil.
	Now func() time.Time
}

// NewExternal returns an External for the provider of cfg, or an error when cfg is not
// usable. Nothing is fetched until the first token arrives, so Shiftwire starts even when
// the provider is down.
func NewExternal(cfg ExternalConfig) (*External, error) {
	if err := CheckIssuerURL(cfg.Issuer, cfg.AllowHTTP); err != nil {
		return nil, err
	}
	if cfg.Audience == "" {
		return nil, errors.New("auth: an external provider needs the audience its tokens carry for Shiftwire")
	}
	client := &http.Client{}
	if cfg.Client != nil {
		c := *cfg.Client // a copy, so the caller's client keeps its own redirect policy
		client = &c
	}
	if client.Timeout <= 0 || client.Timeout > fetchTimeout {
		client.Timeout = fetchTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	e := &External{issuer: cfg.Issuer, audience: cfg.Audience, allowHTTP: cfg.AllowHTTP, client: client, now: cfg.Now}
	client.CheckRedirect = e.checkRedirect
	return e, nil
}

// CheckIssuerURL reports whether raw can be the issuer of an external provider: an absolute
// https URL (http too when allowHTTP) without a query or fragment, as OpenID Connect
// Discovery requires of issuer identifiers.
func CheckIssuerURL(raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("auth: the issuer must be an https URL")
	}
	if err := checkScheme(u, allowHTTP); err != nil {
		return fmt.Errorf("auth: the issuer must be an https URL%s", httpHint(allowHTTP))
	}
	if u.Host == "" {
		return errors.New("auth: the issuer URL has no host")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return errors.New("auth: the issuer URL must not have a query or fragment")
	}
	return nil
}

// checkScheme refuses a URL to the provider that is not https, or http when allowHTTP:
// keys fetched in the clear could be replaced on the way, and with them every token
// accepted.
func checkScheme(u *url.URL, allowHTTP bool) error {
	if u.Scheme == "https" || (allowHTTP && u.Scheme == "http") {
		return nil
	}
	return fmt.Errorf("%s is not an https URL%s", u.Redacted(), httpHint(allowHTTP))
}

func httpHint(allowHTTP bool) string {
	if allowHTTP {
		return ""
	}
	return " (http only with --dev)"
}

// checkRedirect is the redirect policy of requests to the provider: a few redirects on the
// host the request was sent to, never to another host, and never from https down to http.
// The discovery document and the key set decide which tokens are accepted, so only their
// owner may serve them.
func (e *External) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return fmt.Errorf("stopped after %d redirects", len(via))
	}
	if !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
		return fmt.Errorf("refused a redirect to another host, %s", req.URL.Host)
	}
	if err := checkScheme(req.URL, e.allowHTTP); err != nil {
		return fmt.Errorf("refused a redirect: %w", err)
	}
	return nil
}

// Issuer returns the issuer identifier tokens must carry in iss.
func (e *External) Issuer() string { return e.issuer }

// externalClaims holds the claims read from an external token. Scopes and the client come
// from whichever claim the provider uses.
type externalClaims struct {
	jwt.Claims
	Tenant   string          `json:"tenant"`
	Scope    json.RawMessage `json:"scope"`
	Scp      json.RawMessage `json:"scp"`
	ClientID string          `json:"client_id"`
	Azp      string          `json:"azp"`

	// Claims of ID tokens (OpenID Connect Core 1.0 sections 2, 3.1.3.6 and 3.3.2.11; s_hash
	// from FAPI), read only to tell an ID token from an access token: whatever their type,
	// any value, even null, counts as present.
	Nonce    json.RawMessage `json:"nonce"`
	AtHash   json.RawMessage `json:"at_hash"`
	CHash    json.RawMessage `json:"c_hash"`
	SHash    json.RawMessage `json:"s_hash"`
	AuthTime json.RawMessage `json:"auth_time"`
}

// idTokenClaims reports whether c holds a claim that only ID tokens carry. auth_time is one
// for tokens not typed at+jwt: RFC 9068 allows it in access tokens, but a client credentials
// token, which authenticates no user, never has it.
func (c *externalClaims) idTokenClaims() bool {
	for _, raw := range []json.RawMessage{c.Nonce, c.AtHash, c.CHash, c.SHash, c.AuthTime} {
		if raw != nil {
			return true
		}
	}
	return false
}

// accessTokenTyped reports whether a typ header declares an RFC 9068 access token, and
// plainJWT whether it declares nothing more specific than a JWT.
func accessTokenTyped(typ string) bool {
	return strings.EqualFold(typ, accessTokenType) || strings.EqualFold(typ, "application/"+accessTokenType)
}

func plainJWT(typ string) bool {
	return typ == "" || strings.EqualFold(typ, "JWT") || strings.EqualFold(typ, "application/jwt")
}

// Verify checks a token of the external provider for a request to tenantName: an accepted
// asymmetric algorithm, a signature by one of the provider's keys, iss equal to the
// configured issuer, the configured audience among aud, an access token rather than an ID
// token, exp (required) and nbf with a 30-second leeway, and a tenant claim equal to
// tenantName. Verification failures are *shiftwire.AuthError values with reason
// invalid_token. When the provider's keys cannot be fetched and none are cached, the error is
// a plain error: the token may be fine, the server cannot tell.
//
// A token is an access token when its typ header says at+jwt (RFC 9068), or when it says JWT
// or nothing and it carries none of the claims of ID tokens (nonce, at_hash, c_hash, s_hash,
// auth_time). Any other typ is refused. An ID token proves to a client who a user is; it
// does not authorize calls, and accepting one would let any application that received one
// from the provider call Shiftwire.
func (e *External) Verify(ctx context.Context, raw, tenantName string) (*Claims, error) {
	h, err := peekHeader(raw)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(externalAlgorithms, jose.SignatureAlgorithm(h.Alg)) {
		return nil, invalidToken(descAlgorithm)
	}
	typed := accessTokenTyped(h.Typ)
	if !typed && !plainJWT(h.Typ) {
		return nil, invalidToken(descNotAccessToken)
	}
	jws, err := jose.ParseSignedCompact(raw, externalAlgorithms)
	if err != nil || len(jws.Signatures) != 1 {
		return nil, invalidToken(descMalformed)
	}
	candidates, err := e.keysFor(ctx, h.Kid, h.Alg)
	if err != nil {
		return nil, err
	}
	if len(candidates) == 0 {
		return nil, invalidToken(descUnknownKey)
	}
	var payload []byte
	for _, k := range candidates {
		if payload, err = jws.Verify(k.Key); err == nil {
			break
		}
	}
	if err != nil {
		return nil, invalidToken(descSignature)
	}

	var c externalClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, invalidToken(descMalformed)
	}
	if c.Issuer != e.issuer {
		return nil, invalidToken(descOtherIssuer)
	}
	if !c.Audience.Contains(e.audience) {
		return nil, invalidToken(descOtherAudience)
	}
	if !typed && c.idTokenClaims() {
		return nil, invalidToken(descNotAccessToken)
	}
	if c.Tenant != tenantName {
		return nil, invalidToken(descOtherTenant)
	}
	if err := validateTime(c.Claims, e.now()); err != nil {
		return nil, err
	}
	scopes, ok := scopeList(c.Scope)
	if ok && len(scopes) == 0 {
		scopes, ok = scopeList(c.Scp)
	}
	if !ok {
		return nil, invalidToken(descMalformed)
	}
	client := firstNonEmpty(c.ClientID, c.Azp, c.Subject)
	if client == "" {
		return nil, invalidToken(descNoClient)
	}
	return &Claims{Tenant: c.Tenant, ClientID: client, Scopes: scopes}, nil
}

// scopeList reads a scope claim: a space-separated string, as RFC 8693 and RFC 9068 define
// "scope", or an array of strings, as several providers emit "scp". An absent claim is an
// empty list; anything else is not ok.
func scopeList(raw json.RawMessage) ([]string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.Fields(s), true
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		var out []string
		for _, item := range list {
			out = append(out, strings.Fields(item)...)
		}
		return out, true
	}
	return nil, false
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// keysFor returns the provider's keys that may have signed a token with kid and alg,
// refreshing the key set when it is old or does not know kid.
func (e *External) keysFor(ctx context.Context, kid, alg string) ([]jose.JSONWebKey, error) {
	now := e.now()
	e.mu.Lock()
	keys, due := e.keys, e.refreshDue(now, kid)
	e.mu.Unlock()
	if known := matchKeys(keys, kid, alg); len(known) > 0 {
		// The cached keys verify this token. If the set is old, refresh it unless someone
		// else already is, but never wait for another goroutine's refresh.
		if !due || !e.fetchMu.TryLock() {
			return known, nil
		}
		e.refresh(ctx, now) // on failure the old keys stay in use
		e.fetchMu.Unlock()
		return e.match(kid, alg), nil
	}

	// No cached key fits: wait for a fetch in progress, or make one if it is allowed now.
	e.fetchMu.Lock()
	e.mu.Lock()
	due = e.refreshDue(now, kid) // another goroutine may have fetched while we waited
	e.mu.Unlock()
	var err error
	if due {
		err = e.refresh(ctx, now)
	}
	e.fetchMu.Unlock()

	e.mu.Lock()
	empty := e.keys == nil
	e.mu.Unlock()
	if empty {
		if err == nil {
			err = errors.New("the last fetch failed")
		}
		return nil, fmt.Errorf("auth: the keys of the OpenID provider %s are unavailable: %w", e.issuer, err)
	}
	return e.match(kid, alg), nil
}

// match returns the cached keys that may verify a token with kid and alg.
func (e *External) match(kid, alg string) []jose.JSONWebKey {
	e.mu.Lock()
	defer e.mu.Unlock()
	return matchKeys(e.keys, kid, alg)
}

// refreshDue reports whether the key set should be fetched now for a token naming kid.
// e.mu must be held.
func (e *External) refreshDue(now time.Time, kid string) bool {
	sinceAttempt := now.Sub(e.attemptedAt)
	switch {
	case e.keys == nil:
		return e.attemptedAt.IsZero() || sinceAttempt >= noKeysRetryInterval
	case now.Sub(e.fetchedAt) >= keyRefreshInterval:
		return sinceAttempt >= unknownKeyRefreshMin
	case !hasKid(e.keys, kid):
		return sinceAttempt >= unknownKeyRefreshMin
	}
	return false
}

func hasKid(keys []jose.JSONWebKey, kid string) bool {
	if kid == "" {
		return true
	}
	return slices.ContainsFunc(keys, func(k jose.JSONWebKey) bool { return k.KeyID == kid })
}

// matchKeys returns the keys that may verify a token with kid and alg: those with that kid
// (all of them when the token names none), meant for signatures, and declaring no algorithm
// or this one.
func matchKeys(keys []jose.JSONWebKey, kid, alg string) []jose.JSONWebKey {
	var out []jose.JSONWebKey
	for _, k := range keys {
		if kid != "" && k.KeyID != kid {
			continue
		}
		if k.Algorithm != "" && k.Algorithm != alg {
			continue
		}
		out = append(out, k)
	}
	return out
}

// refresh fetches the discovery document and the key set and, on success, replaces the
// cached keys. On failure the old keys stay: a provider briefly down must not lock every
// client out. e.fetchMu must be held.
func (e *External) refresh(ctx context.Context, now time.Time) error {
	e.mu.Lock()
	e.attemptedAt = now
	e.mu.Unlock()

	// The fetch serves every waiting request, not only the one that started it, so the
	// cancellation of that one request must not abort it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	defer cancel()
	keys, err := e.fetchKeys(ctx)
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.keys, e.fetchedAt = keys, now
	e.mu.Unlock()
	return nil
}

// fetchKeys reads the provider's discovery document and then its key set.
func (e *External) fetchKeys(ctx context.Context) ([]jose.JSONWebKey, error) {
	var meta struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	discoveryURL := strings.TrimSuffix(e.issuer, "/") + "/.well-known/openid-configuration"
	if err := e.getJSON(ctx, discoveryURL, &meta); err != nil {
		return nil, err
	}
	// OpenID Connect Discovery 1.0 section 4.3: the document must name the issuer it was
	// fetched for, or it may be someone else's.
	if meta.Issuer != e.issuer {
		return nil, fmt.Errorf("the discovery document names the issuer %q instead of %q", meta.Issuer, e.issuer)
	}
	if meta.JWKSURI == "" {
		return nil, errors.New("the discovery document has no jwks_uri")
	}
	jwksURL, err := url.Parse(meta.JWKSURI)
	if err != nil || jwksURL.Host == "" {
		return nil, errors.New("the jwks_uri of the discovery document is not a URL")
	}
	if err := checkScheme(jwksURL, e.allowHTTP); err != nil {
		return nil, fmt.Errorf("the jwks_uri of the discovery document: %w", err)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := e.getJSON(ctx, meta.JWKSURI, &set); err != nil {
		return nil, err
	}
	keys := make([]jose.JSONWebKey, 0, len(set.Keys))
	for _, raw := range set.Keys {
		// RFC 7517 section 5: skip keys that cannot be used instead of failing the set, so
		// one exotic key does not disable all the others.
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil {
			continue
		}
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		k = k.Public() // never keep private material a careless provider published
		switch k.Key.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// getJSON GETs target and decodes its JSON body into v.
func (e *External) getJSON(ctx context.Context, target string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", target, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", target, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataSize+1))
	if err != nil {
		return fmt.Errorf("GET %s: %w", target, err)
	}
	if len(body) > maxMetadataSize {
		return fmt.Errorf("GET %s: the response is larger than %d bytes", target, maxMetadataSize)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: %w", target, err)
	}
	return nil
}

package httpapi

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/auth"
)

// oauthError is the RFC 6749 error body of the token endpoint, which OAuth client libraries
// expect there instead of Protime's API error format.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// token serves POST /tenants/{tenant}/connect/token: the client credentials grant.
func (s *Server) token(w http.ResponseWriter, r *http.Request) error {
	tenant, err := s.tenantNamed(r.Context(), r.PathValue("tenant"))
	if shiftwire.ErrorCodeOf(err) == shiftwire.ENotFound {
		return shiftwire.NotFound("tenant %q not found", r.PathValue("tenant"))
	} else if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	limitBody(w, r, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "the body must be application/x-www-form-urlencoded"})
		return nil
	}
	clientID, secret, basic := r.BasicAuth()
	if !basic {
		clientID, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if grant := r.PostForm.Get("grant_type"); grant != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, oauthError{"unsupported_grant_type", "only grant_type=client_credentials is supported"})
		return nil
	}
	if clientID == "" || secret == "" {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "client_id and client_secret are required"})
		return nil
	}
	infoOf(r.Context()).tenant = tenant.Name
	infoOf(r.Context()).clientID = clientID // capped by the log line
	invalidClient := func() error {
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="shiftwire"`)
		}
		writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_client", "unknown client or wrong secret"})
		return nil
	}
	// No client has such an id: answering at once costs nothing and tells nothing.
	if !auth.PlausibleClientID(clientID) {
		return invalidClient()
	}

	// Failed attempts are limited per client and source address, so guessing secrets is slow
	// and one noisy address cannot lock a client out for everybody; and per source address
	// whatever the client id, so made-up client ids do not buy unlimited hash checks.
	source, _, _ := net.SplitHostPort(r.RemoteAddr)
	limitKey := tenant.Name + "|" + auth.FailureKey(clientID, source)
	sourceKey := auth.SourceKey(source)
	if ok, retryAfter := s.failuresAllowed(limitKey, sourceKey); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds()+0.999)))
		return shiftwire.Errorf(shiftwire.ETooManyRequests, "too many failed token requests; retry later")
	}
	client, err := s.store.Client(r.Context(), tenant.ID, clientID)
	if err != nil && shiftwire.ErrorCodeOf(err) != shiftwire.ENotFound {
		return err
	}
	// The secret is checked even for an unknown client (against no hash), so the answer
	// takes as long either way and does not tell which client ids exist.
	var hash []byte
	if client != nil {
		hash = client.SecretHash
	}
	release, ok := s.hashes.Acquire(r.Context())
	if !ok {
		w.Header().Set("Retry-After", "1")
		return shiftwire.Errorf(shiftwire.ETooManyRequests, "too many token requests at once; retry in a second")
	}
	valid := auth.CheckSecret(hash, secret)
	release()
	if !valid || client == nil {
		s.limiter.Failed(limitKey)
		s.sources.Failed(sourceKey)
		return invalidClient()
	}
	// Only the client's own count starts over: a success must not reset the source's, or one
	// valid client would let its address guess on under other ids.
	s.limiter.Reset(limitKey)
	if s.tokens != nil {
		if ok, retryAfter := s.tokens.Allow(clientKey(tenant, client.ID)); !ok {
			setRetryAfter(w, retryAfter)
			return shiftwire.Errorf(shiftwire.ETooManyRequests, "this client fetched more than %d tokens in a minute; a token is valid for 30 minutes, so reuse it until it expires", s.cfg.TokenRateLimit)
		}
	}
	scopes, err := auth.GrantScopes(r.PostForm.Get("scope"), client.Scopes)
	var tokenErr *auth.TokenError
	if errors.As(err, &tokenErr) {
		writeJSON(w, tokenErr.StatusCode(), oauthError{tokenErr.Code, tokenErr.Description})
		return nil
	} else if err != nil {
		return err
	}
	token, expiresIn, err := s.issuer.Issue(issuerURL(r, tenant.Name), tenant.Name, client.ID, scopes)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		TokenType   string `json:"token_type"`
		Scope       string `json:"scope"`
	}{token, expiresIn, "Bearer", strings.Join(scopes, " ")})
	return nil
}

// failuresAllowed reports whether a token request under the failure keys limitKey (client
// and source) and sourceKey may be checked now and, when it may not, how long until it may.
func (s *Server) failuresAllowed(limitKey, sourceKey string) (bool, time.Duration) {
	clientOK, clientRetry := s.limiter.Allowed(limitKey)
	sourceOK, sourceRetry := s.sources.Allowed(sourceKey)
	switch {
	case !clientOK && !sourceOK:
		return false, max(clientRetry, sourceRetry)
	case !clientOK:
		return false, clientRetry
	case !sourceOK:
		return false, sourceRetry
	}
	return true, 0
}

// discovery serves the OpenID configuration of a tenant.
func (s *Server) discovery(w http.ResponseWriter, r *http.Request) error {
	tenant, err := s.tenantNamed(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	iss := issuerURL(r, tenant.Name)
	doc := auth.DiscoveryDocument(iss, iss+"/.well-known/openid-configuration/jwks", iss+"/connect/token", shiftwire.AllScopes())
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(doc)
	return nil
}

// jwks serves the public keys that verify the tenant's access tokens.
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.tenantNamed(r.Context(), r.PathValue("tenant")); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(s.issuer.JWKS())
	return nil
}

// issuerURL is the tenant's token issuer as seen by the caller: the scheme and host the
// request came on, then /tenants/{name}.
func issuerURL(r *http.Request, tenant string) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/tenants/" + tenant
}

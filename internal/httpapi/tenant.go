package httpapi

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/auth"
)

// tenantName returns the tenant a request is for: the first label of its Host when the host
// falls under the base domain, the default tenant otherwise.
func (s *Server) tenantName(r *http.Request) string {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	base := strings.ToLower(s.cfg.BaseDomain)
	if base != "" && strings.HasSuffix(host, "."+base) {
		label, _, _ := strings.Cut(strings.TrimSuffix(host, "."+base), ".")
		return label
	}
	return s.cfg.DefaultTenant
}

// resolveTenant finds the request's tenant; an unknown one is 404.
func (s *Server) resolveTenant(r *http.Request) (*shiftwire.Tenant, error) {
	name := s.tenantName(r)
	if name == "" {
		return nil, shiftwire.NotFound("no tenant: use a host name under %s, such as acme.%s", s.cfg.BaseDomain, s.cfg.BaseDomain)
	}
	t, err := s.tenantNamed(r.Context(), name)
	if shiftwire.ErrorCodeOf(err) == shiftwire.ENotFound {
		return nil, shiftwire.NotFound("tenant %q not found", name)
	}
	return t, err
}

type caller struct {
	tenant    *shiftwire.Tenant
	principal *shiftwire.Principal
}

type callerKey struct{}

// callerOf returns the tenant and principal that connector checked for this request.
func callerOf(ctx context.Context) caller {
	c, _ := ctx.Value(callerKey{}).(caller)
	return c
}

// connector guards a connector API route with the checks of SPEC section 3, in order:
// tenant, User-Agent, token, then the route's fixed scope. Scopes that depend on the body
// are checked by the handler after it validated the body.
func (s *Server) connector(scope string, h handlerFunc) http.Handler {
	return s.connectorLimited(scope, s.cfg.MaxBodyBytes, h)
}

// connectorLimited is connector with its own cap on the request body, for routes such as
// POST /changes that take far more than one object.
func (s *Server) connectorLimited(scope string, maxBody int64, h handlerFunc) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		tenant, err := s.resolveTenant(r)
		if err != nil {
			return err
		}
		info := infoOf(r.Context())
		info.tenant = tenant.Name
		if strings.TrimSpace(r.UserAgent()) == "" {
			return shiftwire.Invalid("the User-Agent header is required", "send a User-Agent such as: PeopleSyncService/v1 (Acme Corp)")
		}
		principal, err := s.authenticate(r, tenant)
		if err != nil {
			return err
		}
		info.clientID = principal.ClientID
		if err := s.allowRequest(w, tenant, principal.ClientID); err != nil {
			return err
		}
		if scope != "" {
			if err := principal.RequireScope(scope); err != nil {
				return err
			}
		}
		limitBody(w, r, maxBody)
		ctx := context.WithValue(r.Context(), callerKey{}, caller{tenant: tenant, principal: principal})
		return h(w, r.WithContext(ctx))
	})
}

// allowRequest takes a request from the rate limit of the client, or answers why not.
func (s *Server) allowRequest(w http.ResponseWriter, tenant *shiftwire.Tenant, clientID string) error {
	if s.requests == nil {
		return nil
	}
	if ok, retryAfter := s.requests.Allow(clientKey(tenant, clientID)); !ok {
		setRetryAfter(w, retryAfter)
		return shiftwire.Errorf(shiftwire.ETooManyRequests, "this client made more than %g requests a second (bursts of %d); retry after the time in Retry-After", s.cfg.RateLimit, max(s.cfg.RateBurst, 1))
	}
	return nil
}

// clientKey names a client of a tenant for the rate limits.
func clientKey(tenant *shiftwire.Tenant, clientID string) string {
	return tenant.Name + "|" + clientID
}

// setRetryAfter sets the Retry-After header to d in whole seconds, rounded up and at least
// 1: a client told to retry after 0 seconds would retry at once.
func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.FormatInt(max(int64((d+time.Second-1)/time.Second), 1), 10))
}

// authenticate verifies the bearer token of r for tenant.
func (s *Server) authenticate(r *http.Request, tenant *shiftwire.Tenant) (*shiftwire.Principal, error) {
	// Another scheme, such as Basic, counts as no token (RFC 6750 section 3.1): the
	// answer is a bare Bearer challenge that tells the client which scheme to use.
	token, err := auth.BearerToken(r.Header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	claims, err := s.verifier.Verify(r.Context(), token, tenant.Name)
	if err != nil {
		return nil, err
	}
	return &shiftwire.Principal{TenantID: tenant.ID, ClientID: claims.ClientID, Scopes: claims.Scopes}, nil
}

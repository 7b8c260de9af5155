package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/auth"
)

// Config holds the settings of the API.
type Config struct {
	// BaseDomain is the domain under which the first label of the Host names the tenant:
	// with "localhost", acme.localhost:8080 is tenant acme.
	BaseDomain string
	// DefaultTenant serves requests whose Host is not under BaseDomain; "" answers them 404.
	DefaultTenant string
	// Destinations says which destination URLs webhooks may have.
	Destinations shiftwire.DestinationPolicy
	// WebhookValidity is how long a new webhook lives.
	WebhookValidity time.Duration
	// KeyOverlap is how long a webhook's previous key keeps signing after rotate-key.
	KeyOverlap time.Duration
	// Retention is how long the change log is kept at least: how far back recover reaches.
	Retention time.Duration
	// MaxBodyBytes caps request bodies; MaxBulkBodyBytes caps POST /changes.
	MaxBodyBytes     int64
	MaxBulkBodyBytes int64
	// MaxBulkRequests is how many POST /changes requests may run at once. Each may hold a
	// decoded body of up to MaxBulkBodyBytes, a few times that size in memory, so the
	// default is 2. One more waits for a slot up to MaxBulkWait before its body is read,
	// then is answered 429 with Retry-After.
	MaxBulkRequests int
	// MaxBulkWait is how long a POST /changes request waits for a slot: long enough for the
	// small bulk writes of a busy client to take turns, short enough not to queue behind
	// large loads. The default is 2 s; a negative wait refuses at once.
	MaxBulkWait time.Duration
	// RateLimit is how many connector API requests a second each client (tenant and client
	// id) may make after bursts of RateBurst; beyond it requests are answered 429 with
	// Retry-After. 0 turns the limit off. The limit is per Server, so per instance.
	RateLimit float64
	RateBurst int
	// TokenRateLimit is how many successful token requests a minute each client may make,
	// in bursts of as many; 0 turns the limit off. Per instance too.
	TokenRateLimit int
}

// Server serves the API. Create it with New.
type Server struct {
	cfg      Config
	store    shiftwire.Store
	issuer   *auth.Issuer
	verifier *auth.Verifier
	limiter  *auth.FailureLimiter // failed token requests per client and source address
	sources  *auth.FailureLimiter // failed token requests per source address
	hashes   *auth.HashChecks
	requests *auth.RateLimiter // API requests per client; nil: no limit
	tokens   *auth.RateLimiter // successful token requests per client; nil: no limit
	log      *slog.Logger
	now      func() time.Time
	handler  http.Handler
	metrics  http.Handler
	engine   Engine

	tenants sync.Map // name -> *shiftwire.Tenant; tenants never change once created

	bulk     chan struct{} // a slot per POST /changes request running, MaxBulkRequests of them
	bulkWait func()        // called when a request starts waiting for a slot; for tests
}

// Deps are the collaborators of a Server.
type Deps struct {
	Store    shiftwire.Store
	Issuer   *auth.Issuer
	Verifier *auth.Verifier
	Logger   *slog.Logger
	Now      func() time.Time
	// Engine pings destinations and is woken by retry; nil answers those operations 500.
	Engine Engine
	// Metrics serves GET /metrics; nil leaves the route out.
	Metrics http.Handler
	// HashChecks bounds the client secret checks of the token endpoint running at once;
	// nil means auth.DefaultMaxHashChecks, each waited for at most auth.DefaultHashCheckWait.
	HashChecks *auth.HashChecks
}

// Engine is what the webhook operations need of the delivery engine.
type Engine interface {
	// Ping sends one signed Ping event to hook's destination now and returns the recorded
	// attempt.
	Ping(ctx context.Context, hook *shiftwire.Webhook) (*shiftwire.Attempt, error)
	// Wake makes due deliveries be claimed now.
	Wake()
	// Forget drops what the engine keeps of a webhook, such as its signing keys.
	Forget(id string)
}

// New returns a Server for cfg.
func New(cfg Config, deps Deps) *Server {
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.MaxBulkBodyBytes == 0 {
		cfg.MaxBulkBodyBytes = 64 << 20
	}
	if cfg.MaxBulkRequests <= 0 {
		cfg.MaxBulkRequests = 2
	}
	if cfg.MaxBulkWait == 0 {
		cfg.MaxBulkWait = 2 * time.Second
	}
	if cfg.WebhookValidity == 0 {
		cfg.WebhookValidity = shiftwire.DefaultWebhookValidity
	}
	if cfg.KeyOverlap == 0 {
		cfg.KeyOverlap = shiftwire.DefaultKeyOverlap
	}
	if cfg.Retention == 0 {
		cfg.Retention = shiftwire.DefaultRetention
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.HashChecks == nil {
		deps.HashChecks = auth.NewHashChecks(auth.DefaultMaxHashChecks(), auth.DefaultHashCheckWait)
	}
	s := &Server{
		cfg:      cfg,
		store:    deps.Store,
		issuer:   deps.Issuer,
		verifier: deps.Verifier,
		limiter:  auth.NewFailureLimiter(auth.DefaultMaxFailures, auth.DefaultFailureWindow, deps.Now),
		sources:  auth.NewFailureLimiter(auth.DefaultMaxSourceFailures, auth.DefaultFailureWindow, deps.Now),
		hashes:   deps.HashChecks,
		log:      deps.Logger,
		now:      deps.Now,
		metrics:  deps.Metrics,
		engine:   deps.Engine,
		bulk:     make(chan struct{}, cfg.MaxBulkRequests),
	}
	if cfg.RateLimit > 0 {
		s.requests = auth.NewRateLimiter(cfg.RateLimit, cfg.RateBurst, deps.Now)
	}
	if cfg.TokenRateLimit > 0 {
		s.tokens = auth.NewRateLimiter(float64(cfg.TokenRateLimit)/60, cfg.TokenRateLimit, deps.Now)
	}
	s.handler = s.observe(s.fallback(s.routes()))
	return s
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// tenantNamed returns the tenant called name, caching it: tenants are never changed or
// removed, so a cached tenant stays right.
func (s *Server) tenantNamed(ctx context.Context, name string) (*shiftwire.Tenant, error) {
	if t, ok := s.tenants.Load(name); ok {
		return t.(*shiftwire.Tenant), nil
	}
	t, err := s.store.TenantByName(ctx, name)
	if err != nil {
		return nil, err
	}
	s.tenants.Store(name, t)
	return t, nil
}

package delivery

import (
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/signing"
)

// Store is what the engine needs of shiftwire.Store.
type Store interface {
	shiftwire.ReferenceSource
	ClaimDeliveries(ctx context.Context, q shiftwire.ClaimQuery) ([]*shiftwire.Delivery, error)
	CompleteDeliveries(ctx context.Context, completions []shiftwire.Completion) error
	ReleaseLeases(ctx context.Context, lease shiftwire.Lease, ids []int64) error
	ReleaseAllLeases(ctx context.Context) error
	ExpireWebhooks(ctx context.Context, now time.Time) (int, error)
	QueueExpiryNotices(ctx context.Context, expiringBy, now time.Time) (int, error)
	ClaimNotices(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*shiftwire.Notice, error)
	CompleteNotices(ctx context.Context, completions []shiftwire.NoticeCompletion) error
	WebhookByID(ctx context.Context, id string) (*shiftwire.Webhook, error)
	Tenant(ctx context.Context, id int64) (*shiftwire.Tenant, error)
	Prune(ctx context.Context, before time.Time, limit int) (int, error)
	RetireDeltas(ctx context.Context, usedBefore time.Time) (int, error)
	Notify() <-chan struct{}
}

// Observer is told what the engine does, for metrics. Its methods must be cheap.
type Observer interface {
	// Attempted counts one request to a destination.
	Attempted(outcome shiftwire.Outcome)
	// Noticed counts one attempt to send a lifecycle notice.
	Noticed(event shiftwire.LifecycleEvent, outcome shiftwire.Outcome)
	// Delivered reports the time from a change's commit to its destination's 2xx.
	Delivered(commitToAck time.Duration)
}

// ReferenceAdder adds the webhook's external references to rendered objects; it is
// shiftwire.AddExternalReferences in production.
type ReferenceAdder func(ctx context.Context, src shiftwire.ReferenceSource, tenantID int64, collection string,
	refs shiftwire.ExternalReferences, objects []json.RawMessage) ([]json.RawMessage, error)

// Config tunes the engine. Zero fields take the defaults of DefaultConfig.
type Config struct {
	Concurrency  int           // requests in flight at once per webhook
	Timeout      time.Duration // for one attempt, from dial to the end of the response headers
	DisableAfter time.Duration // disable a webhook failing for this long
	Retention    time.Duration // keep attempt records and old changes this long
	Lease        time.Duration // a claim is another instance's to take after this
	ClaimBatch   int           // candidates a claim considers, more to fill batch requests; fewer while few are picked
	MaxInFlight  int           // requests in flight at once in this process
	Poll         time.Duration // the safety-net poll when no wake-up comes
	AllowPrivate bool          // allow loopback and private destination addresses
	// ExpiryNotice is how long before validUntil a webhook's ExpiringSoon notice is sent.
	ExpiryNotice time.Duration
	// SingleInstance releases every lease at start: with SQLite there is one engine, so a
	// lease found at start is a crashed run's and its work can resume at once.
	SingleInstance bool
	UserAgent      string
}

// DefaultConfig returns the defaults of SPEC section 8.
func DefaultConfig() Config {
	return Config{
		Concurrency:  8,
		Timeout:      10 * time.Second,
		DisableAfter: DefaultDisableAfter,
		Retention:    shiftwire.DefaultRetention,
		Lease:        30 * time.Second,
		ClaimBatch:   4000,
		MaxInFlight:  1024,
		Poll:         time.Second,
		ExpiryNotice: shiftwire.DefaultExpiryNotice,
		UserAgent:    "Shiftwire",
	}
}

func (c *Config) fill() {
	d := DefaultConfig()
	if c.Concurrency <= 0 {
		c.Concurrency = d.Concurrency
	}
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	if c.DisableAfter <= 0 {
		c.DisableAfter = d.DisableAfter
	}
	if c.Retention <= 0 {
		c.Retention = d.Retention
	}
	if c.Lease <= 0 {
		c.Lease = max(d.Lease, 2*c.Timeout)
	}
	if c.ClaimBatch <= 0 {
		c.ClaimBatch = d.ClaimBatch
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = d.MaxInFlight
	}
	if c.Poll <= 0 {
		c.Poll = d.Poll
	}
	if c.ExpiryNotice <= 0 {
		c.ExpiryNotice = d.ExpiryNotice
	}
	if c.UserAgent == "" {
		c.UserAgent = d.UserAgent
	}
}

// Engine delivers queued changes: it claims due deliveries, sends them with per-webhook
// concurrency limits, and writes the outcomes back in batches.
type Engine struct {
	cfg      Config
	store    Store
	addRefs  ReferenceAdder
	observer Observer
	client   *http.Client
	log      *slog.Logger
	now      func() time.Time
	jitter   func() float64

	mu         sync.Mutex
	inflight   map[string]int       // requests in flight per webhook
	unrecorded map[string]int       // requests sent per webhook whose outcomes are not written yet
	total      int                  // requests in flight in all
	probing    map[string]bool      // webhooks whose destination is down: one request at a time
	answered   map[string]bool      // webhooks whose destination answered a request; see trusted
	hooks      map[string]*hookInfo // webhooks by id, with their signers

	claimLimit int         // candidates the next claim considers; only the claiming goroutine uses it
	noticing   atomic.Bool // a round of lifecycle notices is running

	completions chan shiftwire.Completion
	wake        chan struct{}
	sends       sync.WaitGroup
}

// hookInfo is a cached webhook with what sending to it needs.
type hookInfo struct {
	hook     *shiftwire.Webhook
	tenant   string // the tenant's name, as the API's request log lines name it
	location *time.Location
	signer   *signing.Signer
	previous *signing.Signer // the key before the last rotation, nil when there is none
	loadedAt time.Time
}

// newHookInfo returns what sending to hook of tenant needs.
func newHookInfo(hook *shiftwire.Webhook, tenant *shiftwire.Tenant, now time.Time) *hookInfo {
	info := &hookInfo{hook: hook, tenant: tenant.Name, location: tenant.Location(), signer: signing.NewSigner(hook.Key.Reveal()), loadedAt: now}
	if len(hook.PreviousKey) > 0 {
		info.previous = signing.NewSigner(hook.PreviousKey.Reveal())
	}
	return info
}

// signersAt returns the signers of a request made at now: the current key's, then the
// previous key's while the overlap of the last rotation lasts.
func (h *hookInfo) signersAt(now time.Time) []*signing.Signer {
	if h.previous != nil && now.Before(h.hook.PreviousKeyUntil) {
		return []*signing.Signer{h.signer, h.previous}
	}
	return []*signing.Signer{h.signer}
}

// hookTTL bounds how stale a cached webhook may be; a disabled webhook's queue is emptied
// when it is disabled, so staleness never sends for a disabled webhook.
const hookTTL = 10 * time.Second

// Deps are the collaborators of an Engine.
type Deps struct {
	Store         Store
	AddReferences ReferenceAdder // nil: external references are not added
	Observer      Observer       // nil: nothing is observed
	Logger        *slog.Logger
	Now           func() time.Time  // nil: time.Now
	Jitter        func() float64    // nil: math/rand/v2
	Transport     http.RoundTripper // nil: a transport that refuses private addresses unless allowed
}

// New returns an Engine.
func New(cfg Config, deps Deps) *Engine {
	cfg.fill()
	e := &Engine{
		cfg:         cfg,
		store:       deps.Store,
		addRefs:     deps.AddReferences,
		observer:    deps.Observer,
		log:         deps.Logger,
		now:         deps.Now,
		jitter:      deps.Jitter,
		inflight:    map[string]int{},
		unrecorded:  map[string]int{},
		probing:     map[string]bool{},
		answered:    map[string]bool{},
		hooks:       map[string]*hookInfo{},
		claimLimit:  cfg.ClaimBatch,
		completions: make(chan shiftwire.Completion, cfg.MaxInFlight),
		wake:        make(chan struct{}, 1),
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.jitter == nil {
		e.jitter = rand.Float64
	}
	if e.observer == nil {
		e.observer = nopObserver{}
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	transport := deps.Transport
	if transport == nil {
		transport = NewTransport(cfg.AllowPrivate, cfg.Timeout)
	}
	e.client = &http.Client{
		Transport: transport,
		// Redirects are not followed: a 3xx is a failure like any other non-2xx.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return e
}

// NewTransport returns the HTTP transport deliveries use: the SSRF check at connect time,
// no proxy, and enough idle connections to keep busy destinations on warm connections.
func NewTransport(allowPrivate bool, timeout time.Duration) *http.Transport {
	dialer := &net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext:           SafeDialContext(allowPrivate, dialer),
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4096,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   min(timeout, 10*time.Second),
		ResponseHeaderTimeout: timeout,
	}
}

type nopObserver struct{}

func (nopObserver) Attempted(shiftwire.Outcome)                         {}
func (nopObserver) Delivered(time.Duration)                             {}
func (nopObserver) Noticed(shiftwire.LifecycleEvent, shiftwire.Outcome) {}

// Run delivers until ctx is cancelled, then lets the attempts in flight finish (each is
// bounded by the delivery timeout) and writes their outcomes back.
func (e *Engine) Run(ctx context.Context) error {
	if e.cfg.SingleInstance {
		if err := e.store.ReleaseAllLeases(ctx); err != nil {
			if ctx.Err() != nil {
				return nil // stopped while starting
			}
			return err
		}
	}
	completerDone := make(chan struct{})
	go func() {
		defer close(completerDone)
		e.completeLoop()
	}()
	defer func() {
		e.sends.Wait()
		close(e.completions)
		<-completerDone
	}()

	maintenance := time.NewTicker(time.Minute)
	defer maintenance.Stop()
	lifecycle := time.NewTicker(lifecycleInterval)
	defer lifecycle.Stop()
	poll := time.NewTimer(0)
	defer poll.Stop()
	var noticing sync.WaitGroup
	defer noticing.Wait()
	e.maintain(ctx)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-e.store.Notify():
		case <-e.wake:
		case <-poll.C:
		case <-maintenance.C:
			e.maintain(ctx)
			continue
		case <-lifecycle.C:
			e.expire(ctx)
			// One round of notices at a time; a round claimed finishes even when ctx ends.
			if e.noticing.CompareAndSwap(false, true) {
				noticing.Go(func() {
					defer e.noticing.Store(false)
					e.sendNotices(ctx)
				})
			}
			continue
		}
		_, full, err := e.claimAndSend(ctx, context.WithoutCancel(ctx))
		if err != nil && ctx.Err() == nil {
			e.log.Error("claim deliveries", "err", err)
		}
		if full {
			e.signal() // more is due: claim again as soon as there is room
		}
		poll.Reset(e.cfg.Poll)
	}
}

// RunOnce expires webhooks and sends everything due now, lane after lane, until nothing is
// due; it returns when every outcome is written back. Tests drive the engine with it and an
// injected clock; it must not run beside Run.
func (e *Engine) RunOnce(ctx context.Context) error {
	e.maintain(ctx)
	e.expire(ctx)
	defer e.sendNotices(ctx)
	for {
		// The round's outcomes are gathered while it sends: a round may send more requests
		// than the completions channel holds, since a success frees its slot before its
		// outcome is written.
		stop, gathered := make(chan struct{}), make(chan []shiftwire.Completion)
		go func() {
			var batch []shiftwire.Completion
			for {
				select {
				case c := <-e.completions:
					batch = append(batch, c)
				case <-stop:
					for len(e.completions) > 0 {
						batch = append(batch, <-e.completions)
					}
					gathered <- batch
					return
				}
			}
		}()
		claimed := 0
		var claimErr error
		for {
			n, _, err := e.claimAndSend(ctx, ctx)
			if err != nil {
				claimErr = err
				break
			}
			if n == 0 {
				break
			}
			claimed += n
		}
		e.sends.Wait()
		close(stop)
		batch := <-gathered
		if err := e.complete(ctx, batch); err != nil {
			return err
		}
		if claimErr != nil || claimed == 0 {
			return claimErr
		}
	}
}

// lifecycleInterval is how often expiry and lifecycle notices are looked after: a webhook is
// Expired, and its Disabled notice on its way, within about this long of its validUntil.
const lifecycleInterval = time.Second

// expire disables the webhooks whose validUntil came.
func (e *Engine) expire(ctx context.Context) {
	if n, err := e.store.ExpireWebhooks(ctx, e.now()); err != nil {
		e.log.Error("expire webhooks", "err", err)
	} else if n > 0 {
		e.log.Info("webhooks expired", "count", n)
	}
}

// maintain retires deltas unused for shiftwire.DeltaValidity and prunes old records the
// deltas left no longer need.
func (e *Engine) maintain(ctx context.Context) {
	now := e.now()
	if _, err := e.store.RetireDeltas(ctx, now.Add(-shiftwire.DeltaValidity)); err != nil {
		e.log.Error("retire deltas", "err", err)
	}
	for {
		// The change log keeps PruneMargin beyond the retention, which resend and recover
		// reach back to: a change is never pruned while it is being queued again.
		n, err := e.store.Prune(ctx, now.Add(-e.cfg.Retention-shiftwire.PruneMargin), 5000)
		if err != nil {
			e.log.Error("prune", "err", err)
			return
		}
		if n < 5000 {
			return
		}
	}
}

// signal wakes the Run loop without blocking.
func (e *Engine) signal() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

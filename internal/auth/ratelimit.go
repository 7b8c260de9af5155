package auth

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"sync"
	"time"
)

// The limits the server applies to failed token requests: 10 failures per minute for one
// client from one source address. A client that fetches a token every 30 minutes never
// comes close; a script guessing secrets gets 10 guesses a minute.
const (
	DefaultMaxFailures   = 10
	DefaultFailureWindow = time.Minute
)

// DefaultMaxSourceFailures is the limit on failed token requests from one source address
// per DefaultFailureWindow, whatever client ids they name. Without it a script that sends a
// new made-up client id with every request is never limited, and each request costs a
// password-hash check. It is three times the per-client limit, so that one client locked
// out for a mistyped secret does not lock out the other clients behind the same address.
const DefaultMaxSourceFailures = 30

// defaultMaxKeys caps the keys a FailureLimiter remembers, so a flood of requests with
// random client ids or addresses cannot exhaust memory. At the cap the oldest key is
// forgotten, which at worst gives an attacker who controls that many addresses a fresh
// window, never a legitimate client a lock-out.
const defaultMaxKeys = 100_000

// maxKeyLength bounds the memory of one key; longer keys (a client_id is chosen by the
// caller) are replaced by their hash.
const maxKeyLength = 256

// FailureKey returns the key under which the token endpoint counts the failures of clientID
// from sourceIP.
func FailureKey(clientID, sourceIP string) string {
	return clientID + "|" + sourceIP
}

// SourceKey returns the key under which the token endpoint counts the failures of the
// source address ip, whatever the client. An IPv6 address counts as its /64 network, since
// one host commonly holds a whole /64 and could otherwise take a fresh address per request.
func SourceKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is6() {
		prefix, _ := addr.WithZone("").Prefix(64)
		return prefix.String()
	}
	return addr.String()
}

// FailureLimiter counts failures per key in a fixed window that starts at a key's first
// failure, and refuses a key that reached the limit until its window ends. It is safe for
// concurrent use and its memory is bounded.
//
// The token endpoint asks Allowed before checking a secret and calls Failed when the check
// fails: once locked, even the right secret is refused until the window ends, or guessing
// could simply continue.
type FailureLimiter struct {
	max     int
	window  time.Duration
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	entries map[string]*list.Element // values are *failures
	order   *list.List               // oldest window start first
}

// failures is the count of one key in the window that started at start.
type failures struct {
	key   string
	start time.Time
	count int
}

// NewFailureLimiter returns a limiter allowing maxFailures failures per key within window,
// reading the time from now (time.Now when nil).
func NewFailureLimiter(maxFailures int, window time.Duration, now func() time.Time) *FailureLimiter {
	if now == nil {
		now = time.Now
	}
	return &FailureLimiter{
		max:     maxFailures,
		window:  window,
		maxKeys: defaultMaxKeys,
		now:     now,
		entries: make(map[string]*list.Element),
		order:   list.New(),
	}
}

// Allowed reports whether key may try again now and, when it may not, how long until it
// may: the value for a Retry-After header, rounded up to whole seconds by the caller.
func (l *FailureLimiter) Allowed(key string) (ok bool, retryAfter time.Duration) {
	key = limiterKey(key)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, found := l.entries[key]
	if !found {
		return true, 0
	}
	f := e.Value.(*failures)
	if l.expired(f, now) {
		l.remove(e)
		return true, 0
	}
	if f.count < l.max {
		return true, 0
	}
	// A clock that went backwards must not lock a key out for longer than one window.
	return false, min(f.start.Add(l.window).Sub(now), l.window)
}

// Failed records a failure of key.
func (l *FailureLimiter) Failed(key string) {
	key = limiterKey(key)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evictExpired(now)
	if e, found := l.entries[key]; found {
		f := e.Value.(*failures)
		if !l.expired(f, now) {
			f.count++
			return
		}
		f.start, f.count = now, 1
		l.order.MoveToBack(e)
		return
	}
	l.entries[key] = l.order.PushBack(&failures{key: key, start: now, count: 1})
	for len(l.entries) > l.maxKeys {
		l.remove(l.order.Front())
	}
}

// Reset forgets the failures of key, after it succeeded: a client that mistyped its secret
// a few times starts over once it gets it right.
func (l *FailureLimiter) Reset(key string) {
	key = limiterKey(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, found := l.entries[key]; found {
		l.remove(e)
	}
}

// Len returns the number of keys remembered, for metrics and tests.
func (l *FailureLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

func (l *FailureLimiter) expired(f *failures, now time.Time) bool {
	return now.Sub(f.start) >= l.window
}

// evictExpired drops the keys whose window has ended. The list is ordered by window start,
// so they are all at its front.
func (l *FailureLimiter) evictExpired(now time.Time) {
	for e := l.order.Front(); e != nil && l.expired(e.Value.(*failures), now); e = l.order.Front() {
		l.remove(e)
	}
}

func (l *FailureLimiter) remove(e *list.Element) {
	delete(l.entries, e.Value.(*failures).key)
	l.order.Remove(e)
}

// limiterKey bounds the size of a key.
func limiterKey(key string) string {
	if len(key) <= maxKeyLength {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// The default limits on API requests and successful token requests per client. Protime
// documents 429 with Retry-After for clients that call too much; a client that fetches a
// token per call is told so long before it reaches the failure limits.
const (
	DefaultRateLimit      = 50 // API requests per second per client
	DefaultRateBurst      = 100
	DefaultTokenRateLimit = 60 // successful token requests per minute per client
)

// RateLimiter is a token bucket per key: a key may make burst requests at once, then rate
// requests a second. It is safe for concurrent use and its memory is bounded: a bucket that
// has refilled completely is the same as no bucket and is dropped, so only the keys active
// in the last burst/rate seconds are remembered (and at most defaultMaxKeys of them).
//
// Buckets are kept as the time at which each would be full again (the generic cell rate
// algorithm), in integer time, so tests with an injected clock are exact.
type RateLimiter struct {
	interval time.Duration // between two requests at the sustained rate
	burst    int
	maxKeys  int
	now      func() time.Time

	mu      sync.Mutex
	buckets map[string]*list.Element // values are *bucket
	order   *list.List               // least recently used first
}

// bucket is the state of one key: full is when its bucket holds burst tokens again.
type bucket struct {
	key  string
	full time.Time
}

// NewRateLimiter returns a limiter allowing rate requests a second per key with bursts of
// burst (at least 1), reading the time from now (time.Now when nil). rate must be positive.
func NewRateLimiter(rate float64, burst int, now func() time.Time) *RateLimiter {
	if now == nil {
		now = time.Now
	}
	interval := max(time.Duration(float64(time.Second)/rate), time.Nanosecond)
	return &RateLimiter{
		interval: interval,
		burst:    max(burst, 1),
		maxKeys:  defaultMaxKeys,
		now:      now,
		buckets:  make(map[string]*list.Element),
		order:    list.New(),
	}
}

// Allow takes a token from the bucket of key. When the bucket is empty it takes nothing and
// reports how long until it holds a token again: the value for a Retry-After header,
// rounded up to whole seconds by the caller.
func (l *RateLimiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	key = limiterKey(key)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evictIdle(now)
	var b *bucket
	if e, found := l.buckets[key]; found {
		b = e.Value.(*bucket)
		l.order.MoveToBack(e)
	} else {
		b = &bucket{key: key, full: now}
		l.buckets[key] = l.order.PushBack(b)
		for len(l.buckets) > l.maxKeys {
			l.remove(l.order.Front())
		}
	}
	full := b.full
	if full.Before(now) {
		full = now
	}
	// A clock that went backwards must not hold a key back for longer than a whole refill.
	if limit := now.Add(time.Duration(l.burst) * l.interval); full.After(limit) {
		full = limit
	}
	b.full = full
	// Each request adds one interval to the time until the bucket is full; a request that
	// would push it past burst intervals from now finds the bucket empty.
	next := full.Add(l.interval)
	if wait := next.Sub(now) - time.Duration(l.burst)*l.interval; wait > 0 {
		return false, wait
	}
	b.full = next
	return true, 0
}

// Len returns the number of keys remembered, for metrics and tests.
func (l *RateLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// evictIdle drops the buckets that are full again, starting with the least recently used.
// It stops at the first that is not: every key behind it was used later, within one refill.
func (l *RateLimiter) evictIdle(now time.Time) {
	for e := l.order.Front(); e != nil && !e.Value.(*bucket).full.After(now); e = l.order.Front() {
		l.remove(e)
	}
}

func (l *RateLimiter) remove(e *list.Element) {
	delete(l.buckets, e.Value.(*bucket).key)
	l.order.Remove(e)
}

package auth

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFailureLimiter(t *testing.T) {
	type step struct {
		advance time.Duration
		fail    int           // failures to record after advancing
		ok      bool          // expected Allowed after them
		retry   time.Duration // expected retryAfter when !ok
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"fresh key", []step{{ok: true}}},
		{"below the limit", []step{{fail: 9, ok: true}}},
		{"at the limit", []step{{fail: 10, ok: false, retry: time.Minute}}},
		{"retry after counts down", []step{
			{fail: 10, ok: false, retry: time.Minute},
			{advance: 45 * time.Second, ok: false, retry: 15 * time.Second},
		}},
		{"window ends", []step{
			{fail: 10, ok: false, retry: time.Minute},
			{advance: time.Minute, ok: true},
		}},
		{"fixed window from the first failure", []step{
			{fail: 5, ok: true},
			{advance: 50 * time.Second, fail: 5, ok: false, retry: 10 * time.Second},
			{advance: 10 * time.Second, ok: true},
			{fail: 9, ok: true},
			{fail: 1, ok: false, retry: time.Minute},
		}},
		{"failures while locked extend nothing", []step{
			{fail: 10, ok: false, retry: time.Minute},
			{advance: 30 * time.Second, fail: 100, ok: false, retry: 30 * time.Second},
			{advance: 30 * time.Second, ok: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			l := NewFailureLimiter(DefaultMaxFailures, DefaultFailureWindow, c.Now)
			key := FailureKey("client-1", "192.0.2.7")
			for n, s := range tt.steps {
				c.Advance(s.advance)
				for range s.fail {
					l.Failed(key)
				}
				ok, retry := l.Allowed(key)
				if ok != s.ok || (!ok && retry != s.retry) {
					t.Fatalf("step %d: Allowed = %v, %v; want %v, %v", n, ok, retry, s.ok, s.retry)
				}
			}
		})
	}
}

func TestFailureLimiterKeysAreIndependent(t *testing.T) {
	c := newClock()
	l := NewFailureLimiter(3, time.Minute, c.Now)
	for range 3 {
		l.Failed(FailureKey("a", "192.0.2.1"))
	}
	for _, key := range []string{FailureKey("a", "192.0.2.2"), FailureKey("b", "192.0.2.1")} {
		if ok, _ := l.Allowed(key); !ok {
			t.Fatalf("%s is limited by another key's failures", key)
		}
	}
	if ok, _ := l.Allowed(FailureKey("a", "192.0.2.1")); ok {
		t.Fatal("the failing key is not limited")
	}
}

func TestFailureLimiterReset(t *testing.T) {
	c := newClock()
	l := NewFailureLimiter(3, time.Minute, c.Now)
	l.Failed("k")
	l.Failed("k")
	l.Reset("k")
	l.Failed("k")
	l.Failed("k")
	if ok, _ := l.Allowed("k"); !ok {
		t.Fatal("failures before Reset still count")
	}
}

func TestFailureLimiterEvictsExpiredKeys(t *testing.T) {
	c := newClock()
	l := NewFailureLimiter(3, time.Minute, c.Now)
	for i := range 1000 {
		l.Failed(fmt.Sprintf("client|%d", i))
	}
	c.Advance(time.Minute)
	l.Failed("new")
	if n := l.Len(); n != 1 {
		t.Fatalf("%d keys remembered, want 1", n)
	}
}

func TestFailureLimiterCapsKeys(t *testing.T) {
	c := newClock()
	l := NewFailureLimiter(3, time.Minute, c.Now)
	l.maxKeys = 100
	for range 3 {
		l.Failed("oldest")
	}
	for i := range 150 {
		c.Advance(time.Millisecond)
		l.Failed(fmt.Sprintf("client|%d", i))
	}
	if n := l.Len(); n != 100 {
		t.Fatalf("%d keys remembered, want the cap of 100", n)
	}
	if ok, _ := l.Allowed("oldest"); !ok {
		t.Fatal("the oldest key was not the one dropped")
	}
	if ok, _ := l.Allowed("client|149"); !ok {
		t.Fatal("one failure limited a key")
	}
}

func TestFailureLimiterLongKeys(t *testing.T) {
	c := newClock()
	l := NewFailureLimiter(1, time.Minute, c.Now)
	long := strings.Repeat("c", 1<<20)
	l.Failed(FailureKey(long, "192.0.2.1"))
	if ok, _ := l.Allowed(FailureKey(long, "192.0.2.1")); ok {
		t.Fatal("a long key is not limited")
	}
	if ok, _ := l.Allowed(FailureKey(long+"x", "192.0.2.1")); !ok {
		t.Fatal("two long keys collide")
	}
	for _, e := range l.entries {
		if len(e.Value.(*failures).key) > maxKeyLength {
			t.Fatal("a long key is stored whole")
		}
	}
}

func TestFailureLimiterConcurrent(t *testing.T) {
	c := newClock()
	l := NewFailureLimiter(1000, time.Minute, c.Now)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				key := fmt.Sprintf("c%d|%d", g, i%10)
				l.Allowed(key)
				l.Failed(key)
			}
		})
	}
	wg.Wait()
	if n := l.Len(); n != 80 {
		t.Fatalf("%d keys, want 80", n)
	}
}

func TestSourceKey(t *testing.T) {
	tests := []struct{ ip, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		// One host usually holds a whole /64: its addresses count as one source.
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"not an address", "not an address"},
	}
	for _, tt := range tests {
		if got := SourceKey(tt.ip); got != tt.want {
			t.Errorf("SourceKey(%q) = %q, want %q", tt.ip, got, tt.want)
		}
	}
}

func TestRateLimiter(t *testing.T) {
	type step struct {
		advance time.Duration
		take    int           // requests that must be allowed after advancing
		ok      bool          // expected result of one more
		retry   time.Duration // its retryAfter when !ok
	}
	tests := []struct {
		name  string
		rate  float64
		burst int
		steps []step
	}{
		{"the burst at once", 50, 100, []step{{take: 100, ok: false, retry: 20 * time.Millisecond}}},
		{"refills at the rate", 50, 100, []step{
			{take: 100, ok: false, retry: 20 * time.Millisecond},
			{advance: 10 * time.Millisecond, ok: false, retry: 10 * time.Millisecond},
			{advance: 10 * time.Millisecond, take: 1, ok: false, retry: 20 * time.Millisecond},
			{advance: time.Second, take: 50, ok: false, retry: 20 * time.Millisecond},
		}},
		{"never more than the burst", 50, 100, []step{
			{take: 100, ok: false, retry: 20 * time.Millisecond},
			{advance: time.Hour, take: 100, ok: false, retry: 20 * time.Millisecond},
		}},
		{"the sustained rate", 50, 100, []step{
			{take: 100, ok: false, retry: 20 * time.Millisecond},
			{advance: 20 * time.Millisecond, ok: true},
			{advance: 20 * time.Millisecond, ok: true},
			{ok: false, retry: 20 * time.Millisecond},
		}},
		{"a minute's tokens", 1, 60, []step{
			{take: 60, ok: false, retry: time.Second},
			{advance: 30 * time.Second, take: 30, ok: false, retry: time.Second},
		}},
		{"a slow rate", 0.5, 1, []step{
			{take: 1, ok: false, retry: 2 * time.Second},
			{advance: 1500 * time.Millisecond, ok: false, retry: 500 * time.Millisecond},
			{advance: 500 * time.Millisecond, take: 1, ok: false, retry: 2 * time.Second},
		}},
		{"a clock that goes back", 1, 2, []step{
			{take: 2, ok: false, retry: time.Second},
			{advance: -time.Hour, ok: false, retry: time.Second},
			{advance: 2 * time.Second, take: 2, ok: false, retry: time.Second},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			l := NewRateLimiter(tt.rate, tt.burst, c.Now)
			for n, s := range tt.steps {
				c.Advance(s.advance)
				for i := range s.take {
					if ok, retry := l.Allow("acme|client-1"); !ok {
						t.Fatalf("step %d: request %d refused (retry after %v)", n, i+1, retry)
					}
				}
				ok, retry := l.Allow("acme|client-1")
				if ok != s.ok || (!ok && retry != s.retry) {
					t.Fatalf("step %d: Allow = %v, %v; want %v, %v", n, ok, retry, s.ok, s.retry)
				}
			}
		})
	}
}

func TestRateLimiterKeysAreIndependent(t *testing.T) {
	c := newClock()
	l := NewRateLimiter(1, 3, c.Now)
	for range 3 {
		l.Allow("acme|a")
	}
	if ok, _ := l.Allow("acme|a"); ok {
		t.Fatal("the busy key is not limited")
	}
	for _, key := range []string{"acme|b", "nyc|a"} {
		if ok, _ := l.Allow(key); !ok {
			t.Fatalf("%s is limited by another key's requests", key)
		}
	}
}

func TestRateLimiterForgetsIdleKeys(t *testing.T) {
	c := newClock()
	l := NewRateLimiter(50, 100, c.Now) // a request is refilled in 20 ms, an empty bucket in 2 s
	for i := range 1000 {
		l.Allow(fmt.Sprintf("acme|client-%d", i))
	}
	if n := l.Len(); n != 1000 {
		t.Fatalf("Len = %d, want 1000", n)
	}
	c.Advance(time.Second)
	for range 100 {
		l.Allow("acme|busy") // empties its bucket
	}
	c.Advance(time.Second) // busy's bucket is not full again yet
	l.Allow("acme|another")
	if n := l.Len(); n != 2 {
		t.Fatalf("Len = %d after 1,000 clients were idle for a refill, want 2 (busy and another)", n)
	}
	if ok, _ := l.Allow("acme|busy"); !ok {
		t.Fatal("busy has no token a second after emptying its bucket")
	}

	l.maxKeys = 10
	for i := range 50 {
		l.Allow(fmt.Sprintf("acme|flood-%d", i))
	}
	if n := l.Len(); n > 10 {
		t.Fatalf("Len = %d, want at most the cap of 10", n)
	}
}

func TestRateLimiterConcurrent(t *testing.T) {
	l := NewRateLimiter(1e-3, 100, newClock().Now) // the clock stands still: no refill
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if ok, _ := l.Allow("acme|client-1"); ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if allowed != 100 {
		t.Fatalf("%d of 400 concurrent requests allowed, want the burst of 100", allowed)
	}
}

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

package delivery_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/delivery"
)

// TestHangingDestinationDoesNotHoldOthers runs the real engine loop with one webhook in ten
// whose destination hangs: the other nine get every event while it still hangs.
func TestHangingDestinationDoesNotHoldOthers(t *testing.T) {
	f := newFixture(t, delivery.Config{Timeout: time.Minute})
	f.db.SetClock(time.Now)
	f.clock = nil
	f.engine = delivery.New(delivery.Config{Timeout: time.Minute, AllowPrivate: true}, delivery.Deps{Store: f.db})

	release := make(chan struct{})
	var hanging atomic.Int32
	stuck := newReceiver(t, nil)
	stuck.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hanging.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	releaseOnce := sync.OnceFunc(func() { close(release) })
	defer releaseOnce()
	var healthy []*receiver
	for range 9 {
		rc := newReceiver(t, nil)
		healthy = append(healthy, rc)
		f.webhookAt(rc.URL)
	}
	f.webhookAt(stuck.URL)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.engine.Run(ctx) }()

	const changes = 50
	for i := range changes {
		f.put(f.tenant, shiftwire.Clockings, int64(i+1))
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		total := 0
		for _, rc := range healthy {
			total += len(rc.accepted())
		}
		if total == 9*changes {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthy destinations got %d of %d events while one destination hangs", total, 9*changes)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := hanging.Load(); n == 0 || n > 8 {
		t.Fatalf("%d requests hang at the stuck destination; want 1 to the concurrency limit 8", n)
	}
	// Shutdown lets attempts in flight finish: let the stuck one answer.
	releaseOnce()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("Run did not return after cancel")
	}
}

// webhookAt subscribes a clockings webhook of the fixture's tenant to url.
func (f *fixture) webhookAt(url string) *shiftwire.Webhook {
	now := time.Now()
	if f.clock != nil {
		now = f.clock.Now()
	}
	w := &shiftwire.Webhook{
		ID: shiftwire.NewID(now), TenantID: f.tenant.ID, ClientID: "test", DestinationURL: url,
		Collection: shiftwire.Clockings, Key: make(shiftwire.Secret, 32), Status: shiftwire.WebhookEnabled,
		CreatedAt: now, ValidUntil: now.Add(24 * time.Hour),
	}
	if err := f.db.CreateWebhook(context.Background(), w); err != nil {
		f.t.Fatal(err)
	}
	return w
}

// TestHangingDestinationsOutnumberingSlots runs the real engine loop with 150 webhooks whose
// destinations hang, more than the process's 1,024 request slots at their concurrency of 8,
// and one healthy webhook: every event of the healthy one still arrives at once, not after
// the hanging requests time out.
func TestHangingDestinationsOutnumberingSlots(t *testing.T) {
	const hangingHooks, changes = 150, 12
	f := newFixture(t, delivery.Config{})
	f.db.SetClock(time.Now)
	f.clock = nil
	f.engine = delivery.New(delivery.Config{Timeout: time.Minute, Concurrency: 8, MaxInFlight: 1024, AllowPrivate: true},
		delivery.Deps{Store: f.db})

	release := make(chan struct{})
	releaseOnce := sync.OnceFunc(func() { close(release) })
	defer releaseOnce()
	var hanging atomic.Int32
	stuck := newReceiver(t, nil)
	stuck.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hanging.Add(1)
		defer hanging.Add(-1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	for i := range hangingHooks {
		f.webhookAt(fmt.Sprintf("%s/hook/%d", stuck.URL, i))
	}
	healthy := newReceiver(t, nil)
	f.webhookAt(healthy.URL)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.engine.Run(ctx) }()

	// Every webhook's queue holds more than its concurrency: before the healthy webhook's
	// events, the hanging ones could take 150 x 8 = 1,200 requests.
	for i := range changes {
		f.put(f.tenant, shiftwire.Clockings, int64(i+1))
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second) // far below the 1-minute delivery timeout
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: still waiting after 15 s with %d requests hanging", what, hanging.Load())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor("the healthy webhook's first events", func() bool { return len(healthy.accepted()) == changes })
	waitFor("a request at every hanging destination", func() bool { return hanging.Load() >= hangingHooks })
	// With every hanging destination holding requests, a new change still arrives at once.
	f.put(f.tenant, shiftwire.Clockings, changes+1)
	waitFor("a change committed while 150 destinations hang", func() bool { return len(healthy.accepted()) == changes+1 })

	releaseOnce()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("Run did not return after cancel")
	}
}

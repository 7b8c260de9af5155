package delivery_test

import (
	"context"
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

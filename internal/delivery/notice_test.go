package delivery_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/delivery"
)

// flakyStore fails reads of webhooks while failing is set, as a database that is briefly
// unreachable does.
type flakyStore struct {
	delivery.Store
	failing atomic.Bool
}

func (s *flakyStore) WebhookByID(ctx context.Context, id string) (*shiftwire.Webhook, error) {
	if s.failing.Load() {
		return nil, errors.New("database unreachable")
	}
	return s.Store.WebhookByID(ctx, id)
}

// TestNoticeOutlivesPassingErrors checks that a lifecycle notice whose webhook cannot be read
// for a passing reason is kept and sent once the reason has passed, not given up.
func TestNoticeOutlivesPassingErrors(t *testing.T) {
	f := newFixture(t, delivery.Config{Lease: 30 * time.Second})
	life := newReceiver(t, func(received) int { return http.StatusOK })
	hook, _ := f.webhook(f.tenant, shiftwire.Clockings, life.URL, func(w *shiftwire.Webhook) { w.LifecycleURL = life.URL })
	if _, err := f.db.DisableWebhook(context.Background(), f.tenant.ID, hook.ID, shiftwire.DisabledGone, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	store := &flakyStore{Store: f.db}
	store.failing.Store(true)
	engine := delivery.New(f.cfg, delivery.Deps{Store: store, Logger: slog.New(slog.NewJSONHandler(f.logs, nil)), Now: f.clock.Now})
	if err := engine.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(life.accepted()); n != 0 {
		t.Fatalf("%d notices sent while the webhook could not be read", n)
	}
	store.failing.Store(false)
	f.clock.Advance(time.Minute) // past the lease the failed round left
	if err := engine.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := life.accepted()
	if len(got) != 1 {
		t.Fatalf("%d notices after the database came back, want the Disabled notice", len(got))
	}
}

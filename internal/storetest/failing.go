package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// outcome is a completion of one attempt of webhook w at at, carrying no deliveries.
func outcome(w *shiftwire.Webhook, at time.Time, ok bool) shiftwire.Completion {
	c := shiftwire.Completion{Succeeded: ok, Attempt: shiftwire.Attempt{
		ID: shiftwire.NewID(at), WebhookID: w.ID, TenantID: w.TenantID, AttemptedAt: at,
		StatusCode: 200, Outcome: shiftwire.OutcomeSucceeded, Attempt: 1,
	}}
	if !ok {
		c.Attempt.StatusCode, c.Attempt.Outcome, c.Attempt.Error = 500, shiftwire.OutcomeFailed, "HTTP 500"
		c.Attempt.NextAttemptAt = at.Add(time.Minute)
	}
	return c
}

// testWebhookHealth checks that a batch of completions tracks each webhook's health as
// shiftwire.TrackHealth decides: the first failure since the last success is kept, a success
// clears it, a failure after a success in the batch replaces it, and an untracked completion
// (a ping) changes nothing of it.
func testWebhookHealth(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	t1, t2 := t0.Add(time.Minute), t0.Add(2*time.Minute)
	hooks := map[string]*shiftwire.Webhook{}
	for _, name := range []string{"fails", "kept", "replaced", "recovers", "succeeds", "fresh", "pinged", "pingFails"} {
		hooks[name] = mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	}
	mustComplete(t, s, outcome(hooks["kept"], t0, false), outcome(hooks["replaced"], t0, false), outcome(hooks["succeeds"], t0, false),
		outcome(hooks["pinged"], t0, false))
	untracked := func(c shiftwire.Completion) shiftwire.Completion { c.Untracked = true; return c }
	batch := []shiftwire.Completion{
		outcome(hooks["fails"], t1, false),
		outcome(hooks["kept"], t1, false),
		outcome(hooks["replaced"], t1, true),
		outcome(hooks["recovers"], t1, false),
		outcome(hooks["succeeds"], t1, true),
		outcome(hooks["kept"], t2, false),
		outcome(hooks["replaced"], t2, false),
		outcome(hooks["recovers"], t2, true),
		outcome(hooks["fresh"], t2, true),
		untracked(outcome(hooks["pinged"], t1, true)),
		untracked(outcome(hooks["pingFails"], t1, false)),
	}
	mustComplete(t, s, batch...)
	type health struct {
		since  time.Time
		failed int
	}
	want := map[string]health{"fails": {t1, 1}, "kept": {t0, 3}, "replaced": {t2, 1}, "recovers": {}, "succeeds": {}, "fresh": {},
		"pinged": {t0, 1}, "pingFails": {}}
	for name, w := range hooks {
		got, err := s.Webhook(ctx, tn.ID, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if g := (health{got.FailingSince, got.FailedAttempts}); !g.since.Equal(want[name].since) || g.failed != want[name].failed {
			t.Errorf("%s: FailingSince, FailedAttempts = %v, %d, want %v, %d", name, g.since, g.failed, want[name].since, want[name].failed)
		}
	}
}

// testHealthNotices checks that DeliveryFailing is queued once, at the
// shiftwire.FailingNoticeAfter-th failure in a row of a webhook with a lifecycle URL, and
// DeliveryRecovered at its next success; a webhook without one gets none.
func testHealthNotices(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	noticed := newWebhook(tn.ID, shiftwire.Clockings, time.Now().UTC())
	noticed.LifecycleURL = "https://receiver.example/lifecycle"
	if err := s.CreateWebhook(ctx, noticed); err != nil {
		t.Fatal(err)
	}
	silent := mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	for i := range shiftwire.FailingNoticeAfter + 2 {
		at := t0.Add(time.Duration(i) * time.Second)
		mustComplete(t, s, outcome(noticed, at, false), outcome(silent, at, false))
	}
	got, err := s.Webhook(ctx, tn.ID, noticed.ID)
	if err != nil || !got.FailingNotified || got.FailedAttempts != shiftwire.FailingNoticeAfter+2 {
		t.Fatalf("after %d failures: %+v, %v", shiftwire.FailingNoticeAfter+2, got, err)
	}
	mustComplete(t, s, outcome(noticed, t0.Add(time.Minute), true), outcome(silent, t0.Add(time.Minute), true))
	var events []shiftwire.LifecycleEvent
	for _, n := range claimNoticesInOrder(t, s, t0.Add(time.Hour)) {
		if n.WebhookID != noticed.ID || n.TenantID != tn.ID {
			t.Fatalf("notice %+v is not of the webhook with a lifecycle URL", n)
		}
		events = append(events, n.Event)
	}
	want := []shiftwire.LifecycleEvent{shiftwire.DeliveryFailing, shiftwire.DeliveryRecovered}
	if !slices.Equal(events, want) {
		t.Fatalf("notices = %v, want %v", events, want)
	}
}

package storetest

import (
	"context"
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

// testFailingUpdates checks that a batch of completions tracks each webhook's failures as
// shiftwire.FailingUpdates decides: the first failure since the last success is kept, a
// success clears it, and a failure after a success in the batch replaces it. An untracked
// completion (a ping) changes nothing of it.
func testFailingUpdates(t *testing.T, s shiftwire.Store) {
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
	want := map[string]time.Time{"fails": t1, "kept": t0, "replaced": t2, "recovers": {}, "succeeds": {}, "fresh": {},
		"pinged": t0, "pingFails": {}}
	for name, w := range hooks {
		got, err := s.Webhook(ctx, tn.ID, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.FailingSince.Equal(want[name]) {
			t.Errorf("%s: FailingSince = %v, want %v", name, got.FailingSince, want[name])
		}
	}
}

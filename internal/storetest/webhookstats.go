package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// StatsStore is what both stores offer beyond shiftwire.Store for the console's view of a
// webhook: its stats and the backlog of every webhook.
type StatsStore interface {
	shiftwire.Store
	WebhookStats(ctx context.Context, tenantID int64, ids []string, since time.Time) (map[string]shiftwire.WebhookStats, error)
	WebhookBacklogs(ctx context.Context) (map[string]int64, error)
}

// RunStats checks WebhookStats and WebhookBacklogs against the stores open makes: queued
// deliveries count as backlog until they succeed, the last success is the newest one,
// attempts before since and pings are left out, and nothing of another tenant's webhook is
// counted or shown.
func RunStats(t *testing.T, open Opener) {
	ctx := context.Background()
	s, ok := open(t).(StatsStore)
	if !ok {
		t.Fatal("the store has no WebhookStats or WebhookBacklogs")
	}
	acme, other := mustTenant(t, s, "acme"), mustTenant(t, s, "other")
	busy := mustWebhook(t, s, acme.ID, shiftwire.People)
	idle := mustWebhook(t, s, acme.ID, shiftwire.Clockings)
	foreign := mustWebhook(t, s, other.ID, shiftwire.People)
	put(t, s, acme.ID, person(1), person(2), person(3))
	put(t, s, other.ID, person(1))

	backlogs, err := s.WebhookBacklogs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if backlogs[busy.ID] != 3 || backlogs[foreign.ID] != 1 || backlogs[idle.ID] != 0 {
		t.Fatalf("WebhookBacklogs = %v, want 3 for busy, 1 for foreign, none for idle", backlogs)
	}

	// Person 1's delivery fails an hour ago, then succeeds; person 2's fails now.
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	hourAgo := t0.Add(-time.Hour)
	byObject := map[int64][]*shiftwire.Delivery{}
	for _, d := range claimAll(t, s, later(), later().Add(time.Minute)) {
		if d.WebhookID == busy.ID {
			byObject[d.ObjectID] = append(byObject[d.ObjectID], d)
		}
	}
	if len(byObject) != 3 {
		t.Fatalf("claimed the deliveries of %d objects of busy, want 3", len(byObject))
	}
	mustComplete(t, s, completion(byObject[1], hourAgo, false))
	byObject[1][0].Attempt++
	mustComplete(t, s, completion(byObject[1], t0.Add(-time.Minute), true), completion(byObject[2], t0, false))
	// A ping that succeeds later carries no event: neither a success nor an attempt here.
	ping := outcome(busy, t0.Add(-30*time.Second), true)
	ping.Untracked = true
	mustComplete(t, s, ping)

	since := t0.Add(-10 * time.Minute)
	stats, err := s.WebhookStats(ctx, acme.ID, []string{busy.ID, idle.ID, foreign.ID}, since)
	if err != nil {
		t.Fatal(err)
	}
	want := shiftwire.WebhookStats{Backlog: 2, LastSuccessAt: t0.Add(-time.Minute), Attempts: 2, Failures: 1}
	if got := stats[busy.ID]; got.Backlog != want.Backlog || !got.LastSuccessAt.Equal(want.LastSuccessAt) ||
		got.Attempts != want.Attempts || got.Failures != want.Failures {
		t.Errorf("busy: %+v, want %+v", got, want)
	}
	if rate, ok := stats[busy.ID].FailureRate(); !ok || rate != 0.5 {
		t.Errorf("busy failure rate = %v, %v; want 0.5", rate, ok)
	}
	if got := stats[idle.ID]; got != (shiftwire.WebhookStats{}) {
		t.Errorf("idle: %+v, want nothing", got)
	}
	if _, ok := stats[idle.ID].FailureRate(); ok {
		t.Error("a webhook without attempts has a failure rate")
	}
	if got := stats[foreign.ID]; got != (shiftwire.WebhookStats{}) {
		t.Errorf("another tenant's webhook shows %+v through acme", got)
	}
}

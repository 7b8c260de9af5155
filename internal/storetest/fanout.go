package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// testFanOutRule checks that what a store queues is what shiftwire.FanOut decides, for
// webhooks enabled, disabled, expired, created between writes, of other collections and
// other tenants, and for inserts, updates and deletes.
func testFanOutRule(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "beta")
	clockings := mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	mustWebhook(t, s, tn.ID, shiftwire.People)
	mustWebhook(t, s, tn.ID, "future-collection")
	disabled := mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	if _, err := s.DisableWebhook(ctx, tn.ID, disabled.ID, shiftwire.DisabledDeleted, time.Now()); err != nil {
		t.Fatal(err)
	}
	expired := newWebhook(tn.ID, shiftwire.Clockings, time.Now().Add(-shiftwire.DefaultWebhookValidity-time.Minute))
	if err := s.CreateWebhook(ctx, expired); err != nil {
		t.Fatal(err)
	}
	mustWebhook(t, s, other.ID, shiftwire.Clockings)

	put(t, s, tn.ID, clocking(1, 1, "2024-01-01"), person(1), keyed("future-collection", 1), clocking(2, 1, "2024-01-01"))
	mustWebhook(t, s, tn.ID, shiftwire.Clockings) // receives only what follows
	err := s.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
		if err := tx.Put(ctx, clocking(1, 2, "2024-01-02")); err != nil {
			return err
		}
		if _, err := tx.Delete(ctx, shiftwire.People, 1); err != nil {
			return err
		}
		return tx.Put(ctx, clocking(3, 1, "2024-01-03"))
	})
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, other.ID, clocking(1, 1, "2024-01-01"))
	if _, err := s.DisableWebhook(ctx, tn.ID, clockings.ID, shiftwire.DisabledDeleted, time.Now()); err != nil {
		t.Fatal(err)
	}
	put(t, s, tn.ID, clocking(4, 1, "2024-01-04"))

	// What FanOut decides, with the webhooks as they are at the end: a webhook disabled
	// since had its queue emptied, so it has nothing queued either way.
	var want, got []string
	for _, tenant := range []int64{tn.ID, other.ID} {
		hooks, err := s.ListWebhooks(ctx, tenant, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		changes, err := s.Changes(ctx, tenant, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var cs []*shiftwire.Change
		for i := range changes {
			cs = append(cs, &changes[i])
		}
		for _, d := range shiftwire.FanOut(hooks, cs) {
			want = append(want, fmt.Sprintf("%s/%d/%d", d.WebhookID, d.ObjectID, d.Version))
		}
	}
	// Deliver everything, lane after lane.
	now := later()
	for {
		ds := claimAll(t, s, now, now.Add(time.Hour))
		if len(ds) == 0 {
			break
		}
		var cs []shiftwire.Completion
		for _, d := range ds {
			got = append(got, fmt.Sprintf("%s/%d/%d", d.WebhookID, d.ObjectID, d.Version))
			cs = append(cs, completion([]*shiftwire.Delivery{d}, now, true))
		}
		mustComplete(t, s, cs...)
	}
	slices.Sort(want)
	slices.Sort(got)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("queued deliveries\n %v\nwant what FanOut decides\n %v", got, want)
	}
}

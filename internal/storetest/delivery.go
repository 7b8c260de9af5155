package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// mustWebhook creates an enabled webhook of tenantID on collection.
func mustWebhook(t *testing.T, s shiftwire.Store, tenantID int64, collection string) *shiftwire.Webhook {
	t.Helper()
	w := newWebhook(tenantID, collection, time.Now().UTC())
	if err := s.CreateWebhook(context.Background(), w); err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	return w
}

// person is a minimal object of the people collection.
func person(id int64) *shiftwire.Object {
	return &shiftwire.Object{Collection: shiftwire.People, ID: id, Data: json.RawMessage(fmt.Sprintf(`{"id":%d}`, id))}
}

// claimAll claims, at now, every due delivery with a lease until leaseUntil.
func claimAll(t *testing.T, s shiftwire.Store, now, leaseUntil time.Time) []*shiftwire.Delivery {
	t.Helper()
	ds, err := s.ClaimDeliveries(context.Background(), shiftwire.ClaimQuery{Now: now, LeaseUntil: leaseUntil, Limit: 1000})
	if err != nil {
		t.Fatalf("ClaimDeliveries: %v", err)
	}
	return ds
}

// later is a time after every commit of the test so far: deliveries are due at their commit.
func later() time.Time { return time.Now().Add(time.Second) }

// deliveryKeys describes deliveries as webhook-object-version strings, sorted, for
// comparisons.
func deliveryKeys(ws map[string]string, ds []*shiftwire.Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%s/%d/%d", ws[d.WebhookID], d.ObjectID, d.Version))
	}
	slices.Sort(out)
	return out
}

// completion returns a completion of one attempt of ds at at.
func completion(ds []*shiftwire.Delivery, at time.Time, ok bool) shiftwire.Completion {
	c := shiftwire.Completion{
		Succeeded: ok,
		Lease:     ds[0].Lease,
		Attempt: shiftwire.Attempt{
			ID:          shiftwire.NewID(at),
			WebhookID:   ds[0].WebhookID,
			TenantID:    ds[0].TenantID,
			AttemptedAt: at,
			Duration:    25 * time.Millisecond,
			StatusCode:  200,
			Outcome:     shiftwire.OutcomeSucceeded,
			Attempt:     ds[0].Attempt + 1,
		},
	}
	for _, d := range ds {
		c.Deliveries = append(c.Deliveries, d.ID)
		c.Attempt.ChangeVersions = append(c.Attempt.ChangeVersions, d.Version)
	}
	if !ok {
		c.Attempt.StatusCode, c.Attempt.Outcome, c.Attempt.Error = 500, shiftwire.OutcomeFailed, "HTTP 500"
		c.Attempt.NextAttemptAt = at.Add(time.Minute)
	}
	return c
}

func mustComplete(t *testing.T, s shiftwire.Store, cs ...shiftwire.Completion) {
	t.Helper()
	if err := s.CompleteDeliveries(context.Background(), cs); err != nil {
		t.Fatalf("CompleteDeliveries: %v", err)
	}
}

// drain empties a Notify channel.
func drain(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// testFanOut checks that a commit queues one delivery per enabled webhook of the change's
// collection created before it, and nothing for the others.
func testFanOut(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "beta")
	put(t, s, tn.ID, clocking(1, 1, "2024-01-01")) // before every webhook: never delivered
	a := mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	if a.CreatedAfter != 1 {
		t.Fatalf("CreatedAfter = %d, want 1, the version before the webhook", a.CreatedAfter)
	}
	b := mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	people := mustWebhook(t, s, tn.ID, shiftwire.People)
	gone := mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	if _, err := s.DisableWebhook(ctx, tn.ID, gone.ID, shiftwire.DisabledDeleted, time.Now()); err != nil {
		t.Fatal(err)
	}
	expired := newWebhook(tn.ID, shiftwire.Clockings, time.Now().Add(-shiftwire.DefaultWebhookValidity))
	if err := s.CreateWebhook(ctx, expired); err != nil {
		t.Fatal(err)
	}
	mustWebhook(t, s, other.ID, shiftwire.Clockings)

	drain(s.Notify())
	c := clocking(2, 1, "2024-01-02")
	put(t, s, tn.ID, c, person(9))
	select {
	case <-s.Notify():
	case <-time.After(5 * time.Second):
		t.Fatal("no Notify after a commit that queued deliveries")
	}
	names := map[string]string{a.ID: "a", b.ID: "b", people.ID: "people"}
	got := deliveryKeys(names, claimAll(t, s, later(), later().Add(time.Minute)))
	want := []string{"a/2/2", "b/2/2", "people/9/3"}
	if !slices.Equal(got, want) {
		t.Fatalf("queued deliveries = %v, want %v", got, want)
	}
}

// testClaimLanes checks that only lane heads are claimed, that a lease hides a delivery
// until it runs out, and that Exclude and Pick are honoured.
func testClaimLanes(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	w := mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	for v := range 3 {
		put(t, s, tn.ID, clocking(1, 1, fmt.Sprintf("2024-01-0%d", v+1))) // versions 1, 2, 3 of object 1
	}
	put(t, s, tn.ID, clocking(2, 1, "2024-01-01")) // version 4 of object 2
	names := map[string]string{w.ID: "w"}
	now := later()

	// Exclude hides the webhook; Pick leases only what it returns.
	ds, err := s.ClaimDeliveries(ctx, shiftwire.ClaimQuery{Now: now, LeaseUntil: now.Add(time.Minute), Limit: 10, Exclude: []string{w.ID}})
	if err != nil || len(ds) != 0 {
		t.Fatalf("claim excluding the webhook = %d deliveries, %v", len(ds), err)
	}
	var offered []string
	ds, err = s.ClaimDeliveries(ctx, shiftwire.ClaimQuery{Now: now, LeaseUntil: now.Add(time.Minute), Limit: 10,
		Pick: func(c []*shiftwire.Delivery) []*shiftwire.Delivery {
			offered = deliveryKeys(names, c)
			return c[:1]
		}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"w/1/1", "w/2/4"}; !slices.Equal(offered, want) {
		t.Fatalf("candidates = %v, want the lane heads %v", offered, want)
	}
	if got := deliveryKeys(names, ds); !slices.Equal(got, []string{"w/1/1"}) {
		t.Fatalf("claimed = %v, want the first candidate, in due order", got)
	}
	first := ds[0]
	if first.Collection != shiftwire.Clockings || first.Type != shiftwire.InsertOrUpdate || first.Attempt != 0 ||
		first.TenantID != tn.ID || first.CommittedAt.IsZero() || !json.Valid(first.Data) {
		t.Fatalf("claimed delivery = %+v", first)
	}

	// The leased head still blocks its lane; the unpicked candidate is claimable.
	if got := deliveryKeys(names, claimAll(t, s, now, now.Add(time.Minute))); !slices.Equal(got, []string{"w/2/4"}) {
		t.Fatalf("second claim = %v, want only w/2/4", got)
	}
	if got := claimAll(t, s, now.Add(30*time.Second), now.Add(time.Minute)); len(got) != 0 {
		t.Fatalf("claim while leased = %v", deliveryKeys(names, got))
	}
	// A lease that ran out is another instance's to take.
	expired := claimAll(t, s, now.Add(61*time.Second), now.Add(2*time.Minute))
	if got := deliveryKeys(names, expired); !slices.Equal(got, []string{"w/1/1", "w/2/4"}) {
		t.Fatalf("claim after the leases ran out = %v", got)
	}
	// Delivering the head makes the next change of the lane due.
	mustComplete(t, s, completion(expired[:1], now, true))
	if got := deliveryKeys(names, claimAll(t, s, now.Add(61*time.Second), now.Add(2*time.Minute))); !slices.Equal(got, []string{"w/1/2"}) {
		t.Fatalf("claim after delivering the head = %v, want w/1/2", got)
	}
}

// testCompleteDeliveries checks retries, holds, failing_since and the attempt records.
func testCompleteDeliveries(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	w := mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	put(t, s, tn.ID, clocking(1, 1, "2024-01-01"), clocking(2, 1, "2024-01-01"))
	names := map[string]string{w.ID: "w"}
	now := later().UTC().Truncate(time.Millisecond)

	ds, err := s.ClaimDeliveries(ctx, shiftwire.ClaimQuery{Now: now, LeaseUntil: now.Add(time.Minute), Limit: 10,
		Pick: func(c []*shiftwire.Delivery) []*shiftwire.Delivery { return c[:1] }})
	if err != nil || len(ds) != 1 {
		t.Fatalf("claim = %d, %v", len(ds), err)
	}
	failed := completion(ds, now, false)
	failed.HoldWebhookUntil = now.Add(time.Hour)
	failed.Attempt.RequestHeaders = map[string]string{"Webhook-Id": "msg_1"}
	failed.Attempt.RequestBody = []byte(`{"changeType":"InsertOrUpdate"}`)
	failed.Attempt.ResponseBody = []byte("oops")
	mustComplete(t, s, failed)

	got, err := s.Webhook(ctx, tn.ID, w.ID)
	if err != nil || !got.FailingSince.Equal(now) {
		t.Fatalf("FailingSince = %v, %v; want %v", got.FailingSince, err, now)
	}
	b, err := s.Backlog(ctx, now)
	if err != nil || b != (shiftwire.BacklogCounts{Pending: 1, Retrying: 1}) {
		t.Fatalf("Backlog = %+v, %v", b, err)
	}
	// The hold keeps the other object back too; the failed one waits for its retry.
	if got := claimAll(t, s, now.Add(59*time.Minute), now.Add(2*time.Hour)); len(got) != 0 {
		t.Fatalf("claim during the hold = %v", deliveryKeys(names, got))
	}
	retry := claimAll(t, s, now.Add(time.Hour), now.Add(2*time.Hour))
	if got := deliveryKeys(names, retry); !slices.Equal(got, []string{"w/1/1", "w/2/2"}) {
		t.Fatalf("claim after the hold = %v", got)
	}
	for _, d := range retry {
		if want := map[int64]int{1: 1, 2: 0}[d.ObjectID]; d.Attempt != want {
			t.Fatalf("object %d: Attempt = %d, want %d", d.ObjectID, d.Attempt, want)
		}
	}
	b, _ = s.Backlog(ctx, now.Add(time.Hour))
	if b != (shiftwire.BacklogCounts{Sending: 2}) {
		t.Fatalf("Backlog while sending = %+v", b)
	}
	mustComplete(t, s, completion(retry[:1], now.Add(time.Hour), true), completion(retry[1:], now.Add(time.Hour+time.Second), true))
	got, _ = s.Webhook(ctx, tn.ID, w.ID)
	if !got.FailingSince.IsZero() {
		t.Fatalf("FailingSince after a success = %v", got.FailingSince)
	}
	if b, _ := s.Backlog(ctx, now.Add(time.Hour)); b != (shiftwire.BacklogCounts{}) {
		t.Fatalf("Backlog after delivery = %+v", b)
	}

	// The attempts, newest first, paged, and one in full.
	attempts, err := s.Attempts(ctx, tn.ID, w.ID, "", 2)
	if err != nil || len(attempts) != 2 {
		t.Fatalf("Attempts = %d, %v", len(attempts), err)
	}
	rest, err := s.Attempts(ctx, tn.ID, w.ID, attempts[1].ID, 2)
	if err != nil || len(rest) != 1 || rest[0].ID != failed.Attempt.ID {
		t.Fatalf("second page = %v, %v; want the failed attempt", rest, err)
	}
	a := rest[0]
	if a.Outcome != shiftwire.OutcomeFailed || a.StatusCode != 500 || a.Error != "HTTP 500" || a.Attempt != 1 ||
		!a.AttemptedAt.Equal(now) || a.Duration != 25*time.Millisecond || !a.NextAttemptAt.Equal(now.Add(time.Minute)) ||
		!slices.Equal(a.ChangeVersions, []shiftwire.ChangeVersion{1}) {
		t.Fatalf("attempt = %+v", a)
	}
	if attempts[0].NextAttemptAt != (time.Time{}) || attempts[0].Outcome != shiftwire.OutcomeSucceeded {
		t.Fatalf("newest attempt = %+v", attempts[0])
	}
	full, err := s.Attempt(ctx, tn.ID, w.ID, failed.Attempt.ID)
	if err != nil || full.RequestHeaders["Webhook-Id"] != "msg_1" || string(full.RequestBody) != `{"changeType":"InsertOrUpdate"}` ||
		string(full.ResponseBody) != "oops" {
		t.Fatalf("Attempt = %+v, %v", full, err)
	}
	other := mustTenant(t, s, "beta")
	_, err = s.Attempt(ctx, other.ID, w.ID, failed.Attempt.ID)
	wantCode(t, err, shiftwire.ENotFound)
}

// testCompleteDisables checks that a completion that disables its webhook empties its queue
// and queues its Disabled notice.
func testCompleteDisables(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	w := newWebhook(tn.ID, shiftwire.Clockings, time.Now().UTC())
	w.LifecycleURL = "https://receiver.example/lifecycle"
	if err := s.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	keep := mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	put(t, s, tn.ID, clocking(1, 1, "2024-01-01"), clocking(2, 1, "2024-01-01"))
	now := later()
	var mine []*shiftwire.Delivery
	for _, d := range claimAll(t, s, now, now.Add(time.Minute)) {
		if d.WebhookID == w.ID && d.ObjectID == 1 {
			mine = append(mine, d)
		}
	}
	if len(mine) != 1 {
		t.Fatalf("claimed %d deliveries of object 1 for the webhook", len(mine))
	}
	c := completion(mine, now, false)
	c.Disable = shiftwire.DisabledGone
	c.Attempt.StatusCode = 410
	mustComplete(t, s, c)
	got, err := s.Webhook(ctx, tn.ID, w.ID)
	if err != nil || got.Status != shiftwire.WebhookDisabled || got.DisabledReason != shiftwire.DisabledGone {
		t.Fatalf("webhook = %+v, %v; want Disabled/Gone", got, err)
	}
	if err := s.ReleaseAllLeases(ctx); err != nil {
		t.Fatal(err)
	}
	for _, d := range claimAll(t, s, now, now.Add(time.Minute)) {
		if d.WebhookID == w.ID {
			t.Fatalf("a disabled webhook's delivery is still queued: %+v", d)
		}
	}
	if got, _ := s.Webhook(ctx, tn.ID, keep.ID); got.Status != shiftwire.WebhookEnabled {
		t.Fatal("disabling one webhook disabled another")
	}
	// Disabling through a completion queues the Disabled notice, in the same transaction.
	notices := claimNoticesInOrder(t, s, later().Add(time.Minute))
	if len(notices) != 1 || notices[0].WebhookID != w.ID || notices[0].Event != shiftwire.WebhookDisabledNotice ||
		notices[0].Reason != shiftwire.DisabledGone {
		t.Fatalf("notices after disabling through a completion: %+v", notices)
	}
	counts, err := s.WebhookCounts(ctx)
	if err != nil || counts[shiftwire.WebhookEnabled] != 1 || counts[shiftwire.WebhookDisabled] != 1 {
		t.Fatalf("WebhookCounts = %v, %v", counts, err)
	}
}

// testReleaseLeases checks that released deliveries are due again at once.
func testReleaseLeases(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	put(t, s, tn.ID, clocking(1, 1, "2024-01-01"), clocking(2, 1, "2024-01-01"))
	now := later()
	ds := claimAll(t, s, now, now.Add(time.Hour))
	if len(ds) != 2 {
		t.Fatalf("claimed %d, want 2", len(ds))
	}
	if err := s.ReleaseLeases(ctx, ds[0].Lease, []int64{ds[0].ID}); err != nil {
		t.Fatal(err)
	}
	again := claimAll(t, s, now, now.Add(time.Hour))
	if len(again) != 1 || again[0].ID != ds[0].ID {
		t.Fatalf("claim after releasing one = %d deliveries", len(again))
	}
	if err := s.ReleaseAllLeases(ctx); err != nil {
		t.Fatal(err)
	}
	if again := claimAll(t, s, now, now.Add(time.Hour)); len(again) != 2 {
		t.Fatalf("claim after releasing all = %d deliveries, want 2", len(again))
	}
}

// testRetryDeliveries checks that the deliveries of one webhook waiting for a later attempt
// become due at once, and nothing else: not another webhook's, not a leased one, not through
// another tenant.
func testRetryDeliveries(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "globex")
	w := mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	w2 := mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	put(t, s, tn.ID, clocking(1, 1, "2024-01-01"), clocking(2, 1, "2024-01-01"), clocking(3, 1, "2024-01-01"))
	now := later()
	ds := claimAll(t, s, now, now.Add(time.Hour))
	if len(ds) != 6 {
		t.Fatalf("claimed %d, want 6", len(ds))
	}
	var retried []int64
	var failed []shiftwire.Completion
	leftLeased := false
	for _, d := range ds {
		if d.WebhookID == w.ID && !leftLeased {
			leftLeased = true // stays leased: another instance is sending it
			continue
		}
		c := completion([]*shiftwire.Delivery{d}, now, false)
		c.Attempt.ID = shiftwire.NewID(now.Add(time.Duration(d.ID) * time.Millisecond))
		c.Attempt.NextAttemptAt = now.Add(time.Hour)
		failed = append(failed, c)
		if d.WebhookID == w.ID {
			retried = append(retried, d.ID)
		}
	}
	mustComplete(t, s, failed...)
	if got := claimAll(t, s, now, now.Add(time.Hour)); len(got) != 0 {
		t.Fatalf("claimed %d deliveries waiting for their retry", len(got))
	}

	if n, err := s.RetryDeliveries(ctx, other.ID, w.ID, now); err != nil || n != 0 {
		t.Fatalf("RetryDeliveries through another tenant = %d, %v; want 0", n, err)
	}
	n, err := s.RetryDeliveries(ctx, tn.ID, w.ID, now)
	if err != nil || n != len(retried) {
		t.Fatalf("RetryDeliveries = %d, %v; want %d", n, err, len(retried))
	}
	got := claimAll(t, s, now, now.Add(time.Hour))
	var ids []int64
	for _, d := range got {
		ids = append(ids, d.ID)
	}
	slices.Sort(ids)
	slices.Sort(retried)
	if !slices.Equal(ids, retried) {
		t.Fatalf("claimed %v after the retry, want %v", ids, retried)
	}
	if n, err := s.RetryDeliveries(ctx, tn.ID, w2.ID, now.Add(2*time.Hour)); err != nil || n != 0 {
		t.Fatalf("RetryDeliveries of deliveries already due = %d, %v; want 0", n, err)
	}
}

// testExpireWebhooks checks that webhooks are disabled as Expired at validUntil, once.
func testExpireWebhooks(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	now := time.Now().UTC()
	w := newWebhook(tn.ID, shiftwire.Clockings, now)
	w.ValidUntil = now.Add(time.Hour).Truncate(time.Millisecond)
	if err := s.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	long := mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	put(t, s, tn.ID, clocking(1, 1, "2024-01-01"))
	if n, err := s.ExpireWebhooks(ctx, now.Add(time.Hour-time.Second)); err != nil || n != 0 {
		t.Fatalf("ExpireWebhooks before validUntil = %d, %v", n, err)
	}
	if n, err := s.ExpireWebhooks(ctx, now.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("ExpireWebhooks at validUntil = %d, %v; want 1", n, err)
	}
	if n, err := s.ExpireWebhooks(ctx, now.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("second ExpireWebhooks = %d, %v; want 0", n, err)
	}
	got, _ := s.Webhook(ctx, tn.ID, w.ID)
	if got.Status != shiftwire.WebhookDisabled || got.DisabledReason != shiftwire.DisabledExpired {
		t.Fatalf("expired webhook = %s/%s", got.Status, got.DisabledReason)
	}
	ds := claimAll(t, s, later(), later().Add(time.Minute))
	if len(ds) != 1 || ds[0].WebhookID != long.ID {
		t.Fatalf("after expiry %d deliveries are queued, want only the other webhook's", len(ds))
	}
}

// testPrune checks that old attempts go, and old changes go once no delivery needs them.
func testPrune(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	w := mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	put(t, s, tn.ID, clocking(1, 1, "2024-01-01"), clocking(2, 1, "2024-01-01"), clocking(3, 1, "2024-01-01"))
	now := later()
	ds := claimAll(t, s, now, now.Add(time.Minute))
	slices.SortFunc(ds, func(a, b *shiftwire.Delivery) int { return int(a.ObjectID - b.ObjectID) })
	mustComplete(t, s, completion(ds[:1], now.Add(-48*time.Hour), true), completion(ds[1:2], now, true))
	n, err := s.Prune(ctx, now.Add(-24*time.Hour), 100)
	if err != nil || n != 1 {
		t.Fatalf("Prune of day-old records = %d, %v; want the one old attempt", n, err)
	}
	n, err = s.Prune(ctx, now.Add(time.Hour), 100)
	if err != nil || n != 3 {
		t.Fatalf("Prune = %d, %v; want 1 attempt and the 2 delivered changes", n, err)
	}
	changes, _ := s.Changes(ctx, tn.ID, 0, 10)
	if len(changes) != 1 || changes[0].ObjectID != 3 {
		t.Fatalf("changes left = %v, want the one still queued", changes)
	}
	if got := claimAll(t, s, now.Add(2*time.Minute), now.Add(3*time.Minute)); len(got) != 1 || got[0].WebhookID != w.ID || got[0].ObjectID != 3 {
		t.Fatalf("the queued delivery lost its change: %v", got)
	}
}

// testLeaseFencing checks that write-backs are fenced by the lease a claim was made under:
// instance A's lease runs out, instance B claims the delivery, and A's late outcome must then
// neither reschedule, release nor delete what B now holds.
func testLeaseFencing(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	put(t, s, tn.ID, clocking(1, 1, "2024-01-01"))
	now := later()
	lease := time.Minute

	a := claimAll(t, s, now, now.Add(lease))
	if len(a) != 1 {
		t.Fatalf("A claimed %d deliveries, want 1", len(a))
	}
	// A pauses longer than its lease; B takes the delivery over.
	bNow := now.Add(lease + time.Second)
	b := claimAll(t, s, bNow, bNow.Add(lease))
	if len(b) != 1 || b[0].ID != a[0].ID {
		t.Fatalf("B claimed %d deliveries, want A's one", len(b))
	}
	if a[0].Lease == b[0].Lease {
		t.Fatalf("two claims share the lease %d", a[0].Lease)
	}

	// A's late failure and release must leave B's lease alone: no third claim may take the
	// delivery while B's request is in flight.
	mustComplete(t, s, completion(a, bNow, false))
	if err := s.ReleaseLeases(ctx, a[0].Lease, []int64{a[0].ID}); err != nil {
		t.Fatal(err)
	}
	if c := claimAll(t, s, bNow.Add(time.Second), bNow.Add(lease)); len(c) != 0 {
		t.Fatalf("a third claim took %d deliveries that B holds", len(c))
	}
	// A's late success must not delete it either: B's outcome decides.
	mustComplete(t, s, completion(a, bNow, true))
	if c := claimAll(t, s, bNow.Add(lease+time.Second), bNow.Add(2*lease)); len(c) != 1 || c[0].Attempt != 0 {
		t.Fatalf("after A's stale outcomes and B's lease ran out: claimed %d, want the untouched delivery", len(c))
	}
	// The attempts A really made are still recorded.
	attempts, err := s.Attempts(ctx, tn.ID, a[0].WebhookID, "", 10)
	if err != nil || len(attempts) != 2 {
		t.Fatalf("Attempts = %d, %v; want A's two", len(attempts), err)
	}
}

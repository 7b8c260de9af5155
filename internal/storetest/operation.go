package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// claimNoticesInOrder claims and acknowledges, at now, every queued notice, one claim after
// another, and returns them in the order they were claimed: each claim offers only the head
// of each webhook's notices.
func claimNoticesInOrder(t *testing.T, s shiftwire.Store, now time.Time) []*shiftwire.Notice {
	t.Helper()
	ctx := context.Background()
	var out []*shiftwire.Notice
	for range 100 {
		ns, err := s.ClaimNotices(ctx, now, now.Add(time.Minute), 100)
		if err != nil {
			t.Fatalf("ClaimNotices: %v", err)
		}
		if len(ns) == 0 {
			return out
		}
		var done []shiftwire.NoticeCompletion
		for _, n := range ns {
			done = append(done, noticeCompletion(n, now, true))
		}
		if err := s.CompleteNotices(ctx, done); err != nil {
			t.Fatalf("CompleteNotices: %v", err)
		}
		out = append(out, ns...)
	}
	t.Fatal("notices keep coming")
	return nil
}

// noticeCompletion is the completion of one attempt of n at at.
func noticeCompletion(n *shiftwire.Notice, at time.Time, done bool) shiftwire.NoticeCompletion {
	c := shiftwire.NoticeCompletion{Notice: n.ID, Lease: n.Lease, Done: done, Attempt: shiftwire.Attempt{
		ID: shiftwire.NewID(at), WebhookID: n.WebhookID, TenantID: n.TenantID, AttemptedAt: at,
		StatusCode: 200, Outcome: shiftwire.OutcomeSucceeded, Attempt: n.Attempt + 1,
	}}
	if !done {
		c.Attempt.StatusCode, c.Attempt.Outcome = 500, shiftwire.OutcomeFailed
		c.Attempt.NextAttemptAt = at.Add(time.Minute)
	}
	return c
}

// testRequeueChanges checks that requeued changes join the back of their objects' lanes, in
// version order, that a change still queued, unknown or committed too early is skipped, and
// that nothing is queued for a disabled webhook.
func testRequeueChanges(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	w := mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	put(t, s, tn.ID, clocking(1, 1, "2024-01-01")) // v1, object 1
	put(t, s, tn.ID, clocking(2, 1, "2024-01-01")) // v2, object 2
	put(t, s, tn.ID, clocking(1, 1, "2024-01-02")) // v3, object 1
	names := map[string]string{w.ID: "w"}
	now := later()
	// Deliver v1 and v2; v3 stays queued behind nothing.
	first := claimAll(t, s, now, now.Add(time.Minute))
	for _, d := range first {
		mustComplete(t, s, completion([]*shiftwire.Delivery{d}, now, true))
	}
	n, err := s.RequeueChanges(ctx, tn.ID, w.ID, []shiftwire.ChangeVersion{3, 1, 2, 99}, time.Time{}, now)
	if err != nil || n != 2 {
		t.Fatalf("RequeueChanges = %d, %v; want 2 (v3 is still queued, v99 unknown)", n, err)
	}
	// Object 1's lane is v3 (queued at its commit), then v1 (requeued): v1 waits behind v3.
	var order []string
	for range 5 {
		ds := claimAll(t, s, now, now.Add(time.Minute))
		if len(ds) == 0 {
			break
		}
		order = append(order, deliveryKeys(names, ds)...)
		for _, d := range ds {
			mustComplete(t, s, completion([]*shiftwire.Delivery{d}, now, true))
		}
	}
	if want := []string{"w/1/3", "w/2/2", "w/1/1"}; !slices.Equal(order, want) {
		t.Fatalf("claims after requeue = %v, want %v", order, want)
	}
	// Requeued changes of one object keep version order among themselves.
	if n, err := s.RequeueChanges(ctx, tn.ID, w.ID, []shiftwire.ChangeVersion{3, 1}, time.Time{}, now); err != nil || n != 2 {
		t.Fatalf("RequeueChanges = %d, %v", n, err)
	}
	var versions []shiftwire.ChangeVersion
	for range 3 {
		for _, d := range claimAll(t, s, now, now.Add(time.Minute)) {
			versions = append(versions, d.Version)
			mustComplete(t, s, completion([]*shiftwire.Delivery{d}, now, true))
		}
	}
	if !slices.Equal(versions, []shiftwire.ChangeVersion{1, 3}) {
		t.Fatalf("requeued versions of one object sent as %v, want [1 3]", versions)
	}
	// Changes committed before committedAfter are not queued again.
	if n, err := s.RequeueChanges(ctx, tn.ID, w.ID, []shiftwire.ChangeVersion{2}, later(), now); err != nil || n != 0 {
		t.Fatalf("RequeueChanges of a change committed before committedAfter = %d, %v; want 0", n, err)
	}
	if _, err := s.DisableWebhook(ctx, tn.ID, w.ID, shiftwire.DisabledDeleted, now); err != nil {
		t.Fatal(err)
	}
	if n, err := s.RequeueChanges(ctx, tn.ID, w.ID, []shiftwire.ChangeVersion{1}, time.Time{}, now); err != nil || n != 0 {
		t.Fatalf("RequeueChanges on a disabled webhook = %d, %v; want 0", n, err)
	}
	other := mustTenant(t, s, "beta")
	if n, err := s.RequeueChanges(ctx, other.ID, w.ID, []shiftwire.ChangeVersion{1}, time.Time{}, now); err != nil || n != 0 {
		t.Fatalf("RequeueChanges of another tenant's changes = %d, %v; want 0", n, err)
	}
}

// testRequeueBehindLeased checks that a change queued again while its object's lane head is
// in flight waits for it: an object's changes are never in flight together.
func testRequeueBehindLeased(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	w := mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	names := map[string]string{w.ID: "w"}
	put(t, s, tn.ID, clocking(1, 1, "2024-01-01")) // v1
	now := later()
	first := claimAll(t, s, now, now.Add(time.Minute))
	mustComplete(t, s, completion(first, now, true))
	put(t, s, tn.ID, clocking(1, 1, "2024-01-02")) // v2, claimed and in flight
	inFlight := claimAll(t, s, later(), later().Add(time.Minute))
	if got := deliveryKeys(names, inFlight); !slices.Equal(got, []string{"w/1/2"}) {
		t.Fatalf("claimed %v, want w/1/2", got)
	}
	if n, err := s.RequeueChanges(ctx, tn.ID, w.ID, []shiftwire.ChangeVersion{1}, time.Time{}, later()); err != nil || n != 1 {
		t.Fatalf("RequeueChanges = %d, %v", n, err)
	}
	if got := claimAll(t, s, later(), later().Add(time.Minute)); len(got) != 0 {
		t.Fatalf("claimed %v while the lane's head is in flight", deliveryKeys(names, got))
	}
	mustComplete(t, s, completion(inFlight, later(), true))
	if got := deliveryKeys(names, claimAll(t, s, later(), later().Add(time.Minute))); !slices.Equal(got, []string{"w/1/1"}) {
		t.Fatalf("after the head was delivered claimed %v, want the requeued w/1/1", got)
	}
}

// testCollectionChanges checks that CollectionChanges selects one collection's changes by
// version and commit time, in version order, without their data.
func testCollectionChanges(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	put(t, s, tn.ID, clocking(1, 1, "2024-01-01"), person(7)) // v1, v2
	put(t, s, tn.ID, clocking(2, 1, "2024-01-01"))            // v3
	put(t, s, tn.ID, clocking(1, 1, "2024-01-02"))            // v4
	all, err := s.CollectionChanges(ctx, tn.ID, shiftwire.Clockings, 0, time.Time{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []shiftwire.ChangeVersion
	for _, c := range all {
		if c.Collection != shiftwire.Clockings || c.Data != nil || c.CommittedAt.IsZero() || c.ObjectID == 0 {
			t.Fatalf("change = %+v", c)
		}
		got = append(got, c.Version)
	}
	if !slices.Equal(got, []shiftwire.ChangeVersion{1, 3, 4}) {
		t.Fatalf("clocking changes = %v, want [1 3 4]", got)
	}
	if page, err := s.CollectionChanges(ctx, tn.ID, shiftwire.Clockings, 1, time.Time{}, 1); err != nil || len(page) != 1 || page[0].Version != 3 {
		t.Fatalf("after 1, limit 1 = %+v, %v", page, err)
	}
	if none, err := s.CollectionChanges(ctx, tn.ID, shiftwire.Clockings, 0, time.Now().Add(time.Hour), 10); err != nil || len(none) != 0 {
		t.Fatalf("since an hour from now = %+v, %v", none, err)
	}
}

// testRotateWebhookKey checks that a rotation keeps the previous key until the overlap ends,
// and is refused for a disabled webhook and hidden from another tenant.
func testRotateWebhookKey(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "beta")
	w := mustWebhook(t, s, tn.ID, shiftwire.Clockings)
	until := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Millisecond)
	newKey := shiftwire.Secret("fedcba9876543210fedcba9876543210")
	if err := s.RotateWebhookKey(ctx, other.ID, w.ID, newKey, until); shiftwire.ErrorCodeOf(err) != shiftwire.ENotFound {
		t.Fatalf("rotate another tenant's webhook: %v, want ENotFound", err)
	}
	if err := s.RotateWebhookKey(ctx, tn.ID, w.ID, newKey, until); err != nil {
		t.Fatal(err)
	}
	got, err := s.Webhook(ctx, tn.ID, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Key.Reveal()) != string(newKey) || string(got.PreviousKey.Reveal()) != string(w.Key) || !got.PreviousKeyUntil.Equal(until) {
		t.Fatalf("after rotation: key %q, previous %q until %v", got.Key.Reveal(), got.PreviousKey.Reveal(), got.PreviousKeyUntil)
	}
	if keys := got.SigningKeys(until.Add(-time.Second)); len(keys) != 2 {
		t.Fatalf("during the overlap %d keys sign, want 2", len(keys))
	}
	if keys := got.SigningKeys(until); len(keys) != 1 || string(keys[0]) != string(newKey) {
		t.Fatal("after the overlap the previous key still signs")
	}
	if _, err := s.DisableWebhook(ctx, tn.ID, w.ID, shiftwire.DisabledDeleted, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.RotateWebhookKey(ctx, tn.ID, w.ID, newKey, until); shiftwire.ErrorCodeOf(err) != shiftwire.EConflict {
		t.Fatalf("rotate a disabled webhook: %v, want EConflict", err)
	}
}

// testLifecycleNotices checks the notice queue: Disabled is queued when a webhook with a
// lifecycle URL is disabled for any reason but Deleted, ExpiringSoon once, a webhook's
// notices go one at a time in order, a lease hides a notice, a failed one comes back at its
// next attempt, and attempts are recorded.
func testLifecycleNotices(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	now := time.Now().UTC().Truncate(time.Millisecond)
	withURL := func(validFor time.Duration) *shiftwire.Webhook {
		w := newWebhook(tn.ID, shiftwire.Clockings, now)
		w.ValidUntil = now.Add(validFor)
		w.LifecycleURL = "https://receiver.example/lifecycle"
		if err := s.CreateWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
		return w
	}
	expiring := withURL(48 * time.Hour)
	withURL(30 * 24 * time.Hour) // far from expiry: no ExpiringSoon
	deleted := withURL(30 * 24 * time.Hour)
	gone := withURL(30 * 24 * time.Hour)
	silent := mustWebhook(t, s, tn.ID, shiftwire.Clockings)

	for range 2 {
		n, err := s.QueueExpiryNotices(ctx, now.Add(72*time.Hour), now)
		if err != nil {
			t.Fatal(err)
		}
		if n > 1 {
			t.Fatalf("QueueExpiryNotices = %d, want 1, then 0", n)
		}
	}
	if _, err := s.DisableWebhook(ctx, tn.ID, deleted.ID, shiftwire.DisabledDeleted, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DisableWebhook(ctx, tn.ID, gone.ID, shiftwire.DisabledGone, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DisableWebhook(ctx, tn.ID, silent.ID, shiftwire.DisabledGone, now); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ExpireWebhooks(ctx, now.Add(49*time.Hour)); err != nil || n != 1 {
		t.Fatalf("ExpireWebhooks = %d, %v", n, err)
	}

	// The expiring webhook's two notices come one claim after another, in order.
	first, err := s.ClaimNotices(ctx, now.Add(50*time.Hour), now.Add(51*time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		hook  string
		event shiftwire.LifecycleEvent
	}
	var got []key
	for _, n := range first {
		got = append(got, key{n.WebhookID, n.Event})
	}
	want := []key{{expiring.ID, shiftwire.ExpiringSoon}, {gone.ID, shiftwire.WebhookDisabledNotice}}
	if !slices.Equal(got, want) {
		t.Fatalf("first claim = %v, want %v", got, want)
	}
	if first[1].Reason != shiftwire.DisabledGone || !first[1].OccurredAt.Equal(now) {
		t.Fatalf("Disabled notice = %+v", first[1])
	}
	if again, err := s.ClaimNotices(ctx, now.Add(50*time.Hour), now.Add(51*time.Hour), 100); err != nil || len(again) != 0 {
		t.Fatalf("claim while leased = %d notices, %v", len(again), err)
	}
	// The first fails and comes back at its next attempt; the second is acknowledged.
	at := now.Add(50 * time.Hour)
	if err := s.CompleteNotices(ctx, []shiftwire.NoticeCompletion{noticeCompletion(first[0], at, false), noticeCompletion(first[1], at, true)}); err != nil {
		t.Fatal(err)
	}
	if early, err := s.ClaimNotices(ctx, at.Add(30*time.Second), at.Add(time.Hour), 100); err != nil || len(early) != 0 {
		t.Fatalf("claim before the next attempt = %d notices, %v", len(early), err)
	}
	rest := claimNoticesInOrder(t, s, at.Add(2*time.Minute))
	got = got[:0]
	for _, n := range rest {
		got = append(got, key{n.WebhookID, n.Event})
	}
	want = []key{{expiring.ID, shiftwire.ExpiringSoon}, {expiring.ID, shiftwire.WebhookDisabledNotice}}
	if !slices.Equal(got, want) {
		t.Fatalf("later claims = %v, want %v", got, want)
	}
	if rest[0].Attempt != 1 {
		t.Fatalf("retried notice has made %d attempts, want 1", rest[0].Attempt)
	}
	attempts, err := s.Attempts(ctx, tn.ID, expiring.ID, "", 10)
	if err != nil || len(attempts) != 3 {
		t.Fatalf("the expiring webhook's attempts = %d, %v; want 3", len(attempts), err)
	}
}

// testReleaseNoticeLeases checks that ReleaseAllLeases makes leased notices due at once.
func testReleaseNoticeLeases(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	w := newWebhook(tn.ID, shiftwire.Clockings, time.Now().UTC())
	w.LifecycleURL = "https://receiver.example/lifecycle"
	if err := s.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DisableWebhook(ctx, tn.ID, w.ID, shiftwire.DisabledUnreachable, time.Now()); err != nil {
		t.Fatal(err)
	}
	now := later()
	if ns, err := s.ClaimNotices(ctx, now, now.Add(time.Hour), 10); err != nil || len(ns) != 1 {
		t.Fatalf("ClaimNotices = %d, %v", len(ns), err)
	}
	if err := s.ReleaseAllLeases(ctx); err != nil {
		t.Fatal(err)
	}
	if ns, err := s.ClaimNotices(ctx, later(), later().Add(time.Hour), 10); err != nil || len(ns) != 1 {
		t.Fatalf("ClaimNotices after ReleaseAllLeases = %d, %v", len(ns), err)
	}
}

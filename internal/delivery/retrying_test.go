package delivery_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/delivery"
)

// TestObjectOrderWhileAnotherObjectRetries: object 1's first change fails twice; its later
// changes wait behind it and arrive in changeVersion order, while object 2's changes flow.
func TestObjectOrderWhileAnotherObjectRetries(t *testing.T) {
	f := newFixture(t, delivery.Config{})
	var failures atomic.Int32
	rc := newReceiver(t, func(r received) int {
		if r.event.id() == 1 && failures.Load() < 2 {
			failures.Add(1)
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	f.webhook(f.tenant, shiftwire.AbsenceGroups, rc.URL)
	for range 3 {
		f.put(f.tenant, shiftwire.AbsenceGroups, 1, 2)
	}
	f.runOnce()
	if got := ids(rc.accepted()); !slices.Equal(got, []int64{2, 2, 2}) {
		t.Fatalf("after the first round got objects %v, want object 2's three changes only", got)
	}
	f.clock.Advance(5 * time.Second) // the first retry
	f.runOnce()
	f.clock.Advance(30 * time.Second) // the second retry succeeds
	f.runOnce()
	got := rc.accepted()
	var versions1 []string
	for _, r := range got {
		if r.event.id() == 1 {
			versions1 = append(versions1, r.event.version())
		}
	}
	if len(versions1) != 3 || !slices.IsSorted(versions1) {
		t.Fatalf("object 1 versions arrived as %v, want three in changeVersion order", versions1)
	}
}

func ids(rs []received) []int64 {
	var out []int64
	for _, r := range rs {
		out = append(out, r.event.id())
	}
	return out
}

// TestRecoveringDestinationGetsEverything: a destination down for a while receives every
// change once it recovers, and the attempts are recorded with their outcomes.
func TestRecoveringDestinationGetsEverything(t *testing.T) {
	f := newFixture(t, delivery.Config{})
	var down atomic.Bool
	down.Store(true)
	rc := newReceiver(t, func(received) int {
		if down.Load() {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	hook, _ := f.webhook(f.tenant, shiftwire.Contracts, rc.URL)
	f.put(f.tenant, shiftwire.Contracts, 1, 2, 3, 4, 5)
	f.runOnce()
	firstRound, _ := f.db.Attempts(context.Background(), f.tenant.ID, hook.ID, "", 100)
	for _, d := range []time.Duration{5 * time.Second, 30 * time.Second} {
		f.clock.Advance(d)
		f.runOnce()
	}
	if n := len(rc.accepted()); n != 0 {
		t.Fatalf("%d events accepted while down", n)
	}
	down.Store(false)
	f.clock.Advance(2 * time.Minute)
	f.runOnce()
	if got := ids(rc.accepted()); len(got) != 5 {
		t.Fatalf("after recovery got %v, want 5 events", got)
	}
	attempts, err := f.db.Attempts(context.Background(), f.tenant.ID, hook.ID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[shiftwire.Outcome]int{}
	for _, a := range attempts {
		outcomes[a.Outcome]++
	}
	if outcomes[shiftwire.OutcomeSucceeded] != 5 || outcomes[shiftwire.OutcomeFailed] == 0 {
		t.Fatalf("attempt outcomes = %v", outcomes)
	}
	// Once a destination is known to be down it is probed with one request per retry, not
	// one per event.
	if later := outcomes[shiftwire.OutcomeFailed] - len(firstRound); later != 2 {
		t.Fatalf("%d failed attempts in the 2 rounds after the first; want one probe each", later)
	}
	if h := f.reload(hook); !h.FailingSince.IsZero() {
		t.Fatalf("FailingSince = %v after a success", h.FailingSince)
	}
}

func TestGoneDisablesAtOnce(t *testing.T) {
	f := newFixture(t, delivery.Config{})
	rc := newReceiver(t, func(received) int { return http.StatusGone })
	hook, _ := f.webhook(f.tenant, shiftwire.Clockings, rc.URL)
	f.put(f.tenant, shiftwire.Clockings, 1, 2, 3)
	f.runOnce()
	h := f.reload(hook)
	if h.Status != shiftwire.WebhookDisabled || h.DisabledReason != shiftwire.DisabledGone {
		t.Fatalf("after 410: %s/%s", h.Status, h.DisabledReason)
	}
	attempts, _ := f.db.Attempts(context.Background(), f.tenant.ID, hook.ID, "", 100)
	// The requests already in flight may finish; nothing is sent after the disable.
	if len(attempts) == 0 || len(attempts) > 3 {
		t.Fatalf("%d attempts", len(attempts))
	}
	before := len(attempts)
	f.put(f.tenant, shiftwire.Clockings, 4)
	f.clock.Advance(time.Hour)
	f.runOnce()
	attempts, _ = f.db.Attempts(context.Background(), f.tenant.ID, hook.ID, "", 100)
	if len(attempts) != before {
		t.Fatalf("a disabled webhook sent again: %d attempts, want %d", len(attempts), before)
	}
}

func TestUnreachableAfterDisableAfter(t *testing.T) {
	f := newFixture(t, delivery.Config{DisableAfter: 72 * time.Hour})
	rc := newReceiver(t, func(received) int { return http.StatusInternalServerError })
	hook, _ := f.webhook(f.tenant, shiftwire.Contracts, rc.URL)
	f.put(f.tenant, shiftwire.Contracts, 1)
	f.runOnce()
	elapsed := time.Duration(0)
	for _, d := range delivery.RetryDelays() {
		if elapsed+d > 71*time.Hour {
			break
		}
		f.clock.Advance(d)
		elapsed += d
		f.runOnce()
	}
	if h := f.reload(hook); h.Status != shiftwire.WebhookEnabled {
		t.Fatalf("disabled after %v of failures: %s/%s", elapsed, h.Status, h.DisabledReason)
	}
	for h := f.reload(hook); h.Status == shiftwire.WebhookEnabled && elapsed < 80*time.Hour; h = f.reload(hook) {
		f.clock.Advance(3 * time.Hour)
		elapsed += 3 * time.Hour
		f.runOnce()
	}
	h := f.reload(hook)
	if h.Status != shiftwire.WebhookDisabled || h.DisabledReason != shiftwire.DisabledUnreachable {
		t.Fatalf("after %v of failures: %s/%s", elapsed, h.Status, h.DisabledReason)
	}
	if elapsed < 72*time.Hour {
		t.Fatalf("disabled after %v, before --disable-after", elapsed)
	}
}

func TestExpiresAtValidUntil(t *testing.T) {
	f := newFixture(t, delivery.Config{})
	rc := newReceiver(t, nil)
	hook, _ := f.webhook(f.tenant, shiftwire.Clockings, rc.URL, func(w *shiftwire.Webhook) {
		w.ValidUntil = w.CreatedAt.Add(time.Hour)
	})
	f.put(f.tenant, shiftwire.Clockings, 1)
	f.runOnce()
	f.clock.Advance(time.Hour)
	f.put(f.tenant, shiftwire.Clockings, 2)
	f.runOnce()
	h := f.reload(hook)
	if h.Status != shiftwire.WebhookDisabled || h.DisabledReason != shiftwire.DisabledExpired {
		t.Fatalf("at validUntil: %s/%s", h.Status, h.DisabledReason)
	}
	if got := ids(rc.accepted()); !slices.Equal(got, []int64{1}) {
		t.Fatalf("received %v, want only the change before validUntil", got)
	}
}

func TestDeletedWebhookStopsAtOnce(t *testing.T) {
	f := newFixture(t, delivery.Config{})
	rc := newReceiver(t, func(received) int { return http.StatusInternalServerError })
	hook, _ := f.webhook(f.tenant, shiftwire.Clockings, rc.URL)
	f.put(f.tenant, shiftwire.Clockings, 1)
	f.runOnce()
	if _, err := f.db.DisableWebhook(context.Background(), f.tenant.ID, hook.ID, shiftwire.DisabledDeleted, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	f.put(f.tenant, shiftwire.Clockings, 2)
	f.clock.Advance(time.Minute)
	f.runOnce()
	attempts, _ := f.db.Attempts(context.Background(), f.tenant.ID, hook.ID, "", 100)
	if len(attempts) != 1 {
		t.Fatalf("%d attempts; a deleted webhook must not retry or send new changes", len(attempts))
	}
	b, _ := f.db.Backlog(context.Background(), f.clock.Now())
	if b != (shiftwire.BacklogCounts{}) {
		t.Fatalf("backlog after delete = %+v", b)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	f := newFixture(t, delivery.Config{})
	var calls atomic.Int32
	rc := newReceiver(t, nil)
	rc.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	hook, _ := f.webhook(f.tenant, shiftwire.Clockings, rc.URL)
	f.put(f.tenant, shiftwire.Clockings, 1)
	f.runOnce()
	f.clock.Advance(119 * time.Second)
	f.runOnce()
	if calls.Load() != 1 {
		t.Fatalf("retried before Retry-After: %d calls", calls.Load())
	}
	f.clock.Advance(time.Second)
	f.runOnce()
	if calls.Load() != 2 {
		t.Fatalf("%d calls after Retry-After, want 2", calls.Load())
	}
	attempts, _ := f.db.Attempts(context.Background(), f.tenant.ID, hook.ID, "", 10)
	if len(attempts) != 2 || attempts[1].StatusCode != 429 || !attempts[1].NextAttemptAt.Equal(attempts[1].AttemptedAt.Add(120*time.Second)) {
		t.Fatalf("attempts = %+v", attempts)
	}
}

func TestRedirectIsAFailure(t *testing.T) {
	f := newFixture(t, delivery.Config{})
	target := newReceiver(t, nil)
	rc := newReceiver(t, nil)
	rc.Config.Handler = http.RedirectHandler(target.URL, http.StatusFound)
	hook, _ := f.webhook(f.tenant, shiftwire.Clockings, rc.URL)
	f.put(f.tenant, shiftwire.Clockings, 1)
	f.runOnce()
	if len(target.accepted()) != 0 {
		t.Fatal("the redirect was followed")
	}
	attempts, _ := f.db.Attempts(context.Background(), f.tenant.ID, hook.ID, "", 10)
	if len(attempts) != 1 || attempts[0].Outcome != shiftwire.OutcomeFailed || attempts[0].StatusCode != http.StatusFound {
		t.Fatalf("attempts = %+v", attempts)
	}
}

// TestPrivateAddressRefusedAtConnect: without AllowPrivate, a destination that resolves to a
// loopback address is refused when connecting, whatever its URL looked like.
func TestPrivateAddressRefusedAtConnect(t *testing.T) {
	f := newFixture(t, delivery.Config{})
	f.cfg.AllowPrivate = false
	f.engine = f.newEngine()
	rc := newReceiver(t, nil)
	url := strings.Replace(rc.URL, "127.0.0.1", "localhost", 1)
	hook, _ := f.webhook(f.tenant, shiftwire.Clockings, url)
	f.put(f.tenant, shiftwire.Clockings, 1)
	f.runOnce()
	if len(rc.accepted()) != 0 {
		t.Fatal("a loopback destination was reached")
	}
	attempts, _ := f.db.Attempts(context.Background(), f.tenant.ID, hook.ID, "", 10)
	if len(attempts) != 1 || attempts[0].Outcome != shiftwire.OutcomeConnectionFailed || !strings.Contains(attempts[0].Error, "not allowed") {
		t.Fatalf("attempts = %+v", attempts)
	}
}

// TestFailureLogLines checks the log lines of failed deliveries: the tenant named as the
// API's request lines name it, and no next attempt on the line of the failure that
// disabled its webhook.
func TestFailureLogLines(t *testing.T) {
	f := newFixture(t, delivery.Config{})
	var status atomic.Int32
	status.Store(http.StatusInternalServerError)
	rc := newReceiver(t, func(received) int { return int(status.Load()) })
	f.webhook(f.tenant, shiftwire.Clockings, rc.URL)
	f.put(f.tenant, shiftwire.Clockings, 1)
	f.runOnce()
	status.Store(http.StatusGone)
	f.clock.Advance(time.Hour)
	f.runOnce()

	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(f.logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "delivery failed" || m["msg"] == "webhook disabled" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 3 {
		t.Fatalf("log lines = %v; want a retried failure, a disabling failure and the disabling", lines)
	}
	for i, m := range lines {
		if m["tenant"] != f.tenant.Name || m["tenantId"] != nil {
			t.Errorf("line %d names the tenant as %v / %v, want %q", i, m["tenant"], m["tenantId"], f.tenant.Name)
		}
	}
	if _, ok := lines[0]["nextAttemptAt"]; !ok {
		t.Errorf("a retried failure's line has no nextAttemptAt: %v", lines[0])
	}
	if next, ok := lines[1]["nextAttemptAt"]; ok {
		t.Errorf("the line of the failure that disabled the webhook has nextAttemptAt %v", next)
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// notice is a lifecycle notice as received.
type notice struct {
	LifecycleEvent string `json:"lifecycleEvent"`
	Webhook        struct {
		ID             string `json:"id"`
		Status         string `json:"status"`
		DisabledReason string `json:"disabledReason"`
		ValidUntil     string `json:"validUntil"`
		DestinationURL string `json:"destinationUrl"`
		CollectionName string `json:"collectionName"`
	} `json:"webhook"`
	OccurredAt string `json:"occurredAt"`
}

// notices returns the lifecycle notices rc received that verify with key, in order.
func notices(t *testing.T, rc *opsReceiver, key string) []notice {
	t.Helper()
	v, err := standardwebhooks.NewWebhook(key)
	if err != nil {
		t.Fatal(err)
	}
	var out []notice
	for _, r := range rc.requests() {
		if err := v.VerifyIgnoringTimestamp(r.body, r.header); err != nil {
			t.Fatalf("a lifecycle notice does not verify: %v\n%s", err, r.body)
		}
		var n notice
		if err := json.Unmarshal(r.body, &n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// waitNotices waits until rc received n lifecycle notices and returns them.
func waitNotices(t *testing.T, rc *opsReceiver, key string, n int) []notice {
	t.Helper()
	var got []notice
	waitFor(t, 10*time.Second, fmt.Sprintf("%d lifecycle notices", n), func() bool {
		got = notices(t, rc, key)
		return len(got) >= n
	})
	return got
}

// noticeMetric returns the shiftwire_lifecycle_notifications_total line of event and
// outcome.
func noticeMetric(t *testing.T, f *clockFixture, event, outcome string) string {
	t.Helper()
	resp := f.srv.do(apiRequest{method: http.MethodGet, path: "/metrics"})
	resp.wantStatus(t, http.StatusOK)
	prefix := fmt.Sprintf(`shiftwire_lifecycle_notifications_total{event=%q,outcome=%q} `, event, outcome)
	for _, line := range strings.Split(string(resp.body), "\n") {
		if strings.HasPrefix(line, prefix) {
			return strings.TrimPrefix(line, prefix)
		}
	}
	t.Fatalf("no %s in /metrics", prefix)
	return ""
}

// TestLifecycleExpiry moves the clock to a webhook's expiry notice, then to its validUntil:
// ExpiringSoon comes once, the webhook reads Expired at once, and Disabled follows.
func TestLifecycleExpiry(t *testing.T) {
	f := newClockFixture(t, "--webhook-validity", "100h", "--expiry-notice", "72h")
	dest := newOpsReceiver(t, http.StatusOK)
	life := newOpsReceiver(t, http.StatusOK)
	id, key := f.createWebhook(t, dest.URL, fmt.Sprintf(`,"lifecycleNotificationUrl":%q`, life.URL))

	var read struct {
		ValidUntil   string `json:"validUntil"`
		LifecycleURL string `json:"lifecycleNotificationUrl"`
	}
	unmarshal(t, f.call(http.MethodGet, "webhooks/"+id, ""), &read)
	if read.LifecycleURL != life.URL {
		t.Fatalf("the webhook reads lifecycleNotificationUrl %q, want %q", read.LifecycleURL, life.URL)
	}
	validUntil, err := time.Parse(time.RFC3339, read.ValidUntil)
	if err != nil {
		t.Fatal(err)
	}

	// 27 hours on, validUntil is 73 hours away: no notice yet.
	f.clock.Advance(27 * time.Hour)
	time.Sleep(1500 * time.Millisecond) // more than a round of the engine's lifecycle tick
	if n := len(life.requests()); n != 0 {
		t.Fatalf("%d notices 73h before validUntil", n)
	}
	f.clock.Advance(2 * time.Hour)
	got := waitNotices(t, life, key, 1)
	n := got[0]
	if n.LifecycleEvent != "ExpiringSoon" || n.Webhook.ID != id || n.Webhook.Status != "Enabled" || n.Webhook.ValidUntil != read.ValidUntil ||
		n.Webhook.DestinationURL != dest.URL || n.Webhook.CollectionName != "break-definitions" || n.Webhook.DisabledReason != "" {
		t.Fatalf("ExpiringSoon notice = %+v", n)
	}
	if at, err := time.Parse(time.RFC3339Nano, n.OccurredAt); err != nil || validUntil.Sub(at) > 72*time.Hour || validUntil.Sub(at) < 70*time.Hour {
		t.Fatalf("ExpiringSoon occurred at %q, validUntil %v", n.OccurredAt, validUntil)
	}

	// At validUntil the webhook reads Expired at once, whatever the engine did yet, and
	// operations are refused; Disabled follows.
	f.clock.Advance(validUntil.Sub(f.clock.Now()))
	var status struct{ Status, DisabledReason string }
	unmarshal(t, f.call(http.MethodGet, "webhooks/"+id, ""), &status)
	if status.Status != "Disabled" || status.DisabledReason != "Expired" {
		t.Fatalf("at validUntil the webhook reads %+v", status)
	}
	f.call(http.MethodPost, "webhooks/"+id+"/retry", "").wantStatus(t, http.StatusConflict)
	got = waitNotices(t, life, key, 2)
	if d := got[1]; d.LifecycleEvent != "Disabled" || d.Webhook.Status != "Disabled" || d.Webhook.DisabledReason != "Expired" {
		t.Fatalf("second notice = %+v", d)
	}
	// ExpiringSoon came once.
	f.clock.Advance(time.Hour)
	time.Sleep(1500 * time.Millisecond)
	if n := len(life.requests()); n != 2 {
		t.Fatalf("%d notices, want ExpiringSoon and Disabled once each", n)
	}
	if m := noticeMetric(t, f, "ExpiringSoon", "Succeeded"); m != "1" {
		t.Fatalf("ExpiringSoon counted %s times", m)
	}
	if m := noticeMetric(t, f, "Disabled", "Succeeded"); m != "1" {
		t.Fatalf("Disabled counted %s times", m)
	}
	if len(dest.requests()) != 0 {
		t.Fatal("the destination received lifecycle notices")
	}
}

// TestLifecycleDeliveryHealth fails a destination four times in a row, then lets it
// recover, then makes it answer 410: DeliveryFailing, DeliveryRecovered and Disabled come in
// that order. The lifecycle receiver fails its first notice, which is retried and recorded.
func TestLifecycleDeliveryHealth(t *testing.T) {
	f := newClockFixture(t)
	dest := newOpsReceiver(t, http.StatusInternalServerError)
	life := newOpsReceiver(t, http.StatusServiceUnavailable)
	id, key := f.createWebhook(t, dest.URL, fmt.Sprintf(`,"lifecycleNotificationUrl":%q`, life.URL))

	f.write(t, 1, 7)
	for attempt := 1; attempt <= 4; attempt++ {
		waitFor(t, 10*time.Second, fmt.Sprintf("attempt %d", attempt), func() bool { return len(dest.requests()) >= attempt })
		if attempt == 3 && len(life.requests()) != 0 {
			t.Fatal("a lifecycle notice before the fourth failure")
		}
		// The retry's time is set when the outcome is written: the clock moves only after,
		// or the retry would be due four hours after the move instead.
		waitFor(t, 10*time.Second, fmt.Sprintf("attempt %d recorded", attempt), func() bool { return len(f.attempts(t, id, "")) >= attempt })
		f.clock.Advance(4 * time.Hour) // past any retry delay
	}
	// DeliveryFailing is sent; the lifecycle receiver fails it once, then takes it.
	waitFor(t, 10*time.Second, "DeliveryFailing's first attempt", func() bool { return len(life.requests()) >= 1 })
	life.status.Store(http.StatusOK)
	waitFor(t, 10*time.Second, "DeliveryFailing's first attempt recorded", func() bool {
		return len(f.attempts(t, id, "outcome eq 'Failed' and status-code eq 503")) == 1
	})
	f.clock.Advance(time.Minute)
	got := waitNotices(t, life, key, 2)
	if got[0].LifecycleEvent != "DeliveryFailing" || got[1].LifecycleEvent != "DeliveryFailing" || got[1].Webhook.Status != "Enabled" {
		t.Fatalf("notices = %+v, want DeliveryFailing twice (failed, then retried)", got)
	}
	if life.requests()[0].header.Get("Webhook-Id") != life.requests()[1].header.Get("Webhook-Id") {
		t.Fatal("a retried notice has a new webhook-id")
	}
	failedNotices := f.attempts(t, id, "outcome eq 'Failed' and status-code eq 503")
	if len(failedNotices) != 1 {
		t.Fatalf("the failed notice attempt is recorded %d times", len(failedNotices))
	}

	// The destination recovers.
	dest.status.Store(http.StatusOK)
	f.call(http.MethodPost, "webhooks/"+id+"/retry", "").wantStatus(t, http.StatusAccepted)
	got = waitNotices(t, life, key, 3)
	if got[2].LifecycleEvent != "DeliveryRecovered" {
		t.Fatalf("third notice = %+v, want DeliveryRecovered", got[2])
	}

	// The destination is gone.
	dest.status.Store(http.StatusGone)
	f.write(t, 2, 8)
	got = waitNotices(t, life, key, 4)
	if d := got[3]; d.LifecycleEvent != "Disabled" || d.Webhook.Status != "Disabled" || d.Webhook.DisabledReason != "Gone" {
		t.Fatalf("fourth notice = %+v, want Disabled (Gone)", d)
	}
	if m := noticeMetric(t, f, "DeliveryFailing", "Failed"); m != "1" {
		t.Fatalf("failed DeliveryFailing counted %s times", m)
	}
}

// TestLifecycleURLRules checks that deleting a webhook sends no notice, and
// that a lifecycleNotificationUrl is held to the destination rules.
func TestLifecycleURLRules(t *testing.T) {
	f := newClockFixture(t)
	life := newOpsReceiver(t, http.StatusOK)
	id, _ := f.createWebhook(t, life.URL, fmt.Sprintf(`,"lifecycleNotificationUrl":%q`, life.URL))
	f.call(http.MethodDelete, "webhooks/"+id, "").wantStatus(t, http.StatusNoContent)
	time.Sleep(1500 * time.Millisecond)
	if n := len(life.requests()); n != 0 {
		t.Fatalf("deleting a webhook sent %d notices", n)
	}
	for _, bad := range []string{"ftp://example.com/x", "not a url", "https://example.com/" + strings.Repeat("a", 2100), `https://example.com/#x`} {
		body := fmt.Sprintf(`{"destinationUrl":%q,"collectionName":"break-definitions","lifecycleNotificationUrl":%q}`, life.URL, bad)
		f.call(http.MethodPost, "webhooks", body).wantError(t, http.StatusBadRequest, "BadRequest", "invalid lifecycle notification URL")
	}
	f.call(http.MethodPost, "webhooks", fmt.Sprintf(`{"destinationUrl":%q,"collectionName":"break-definitions","lifecycleNotificationUrl":7}`, life.URL)).
		wantValidation(t, "lifecycleNotificationUrl")
}

package shiftwire

import (
	"testing"
	"time"
)

func TestExpiredAt(t *testing.T) {
	until := time.Date(2025, 3, 31, 12, 30, 0, 0, time.FixedZone("CEST", 2*3600))
	w := &Webhook{Status: WebhookEnabled, ValidUntil: until}
	for _, tc := range []struct {
		now  time.Time
		want bool
	}{
		{until.Add(-time.Hour), false},
		{until.Add(-time.Nanosecond), false},
		{until, true},
		{until.UTC(), true}, // the same instant in another zone
		{until.Add(time.Nanosecond), true},
		{until.Add(365 * 24 * time.Hour), true},
	} {
		if got := w.ExpiredAt(tc.now); got != tc.want {
			t.Errorf("ExpiredAt(validUntil %v, now %v) = %v, want %v", until, tc.now, got, tc.want)
		}
		if got := w.AsOf(tc.now); tc.want != (got.Status == WebhookDisabled && got.DisabledReason == DisabledExpired && got.DisabledAt.Equal(until)) {
			t.Errorf("AsOf(%v) = %s %s at %v", tc.now, got.Status, got.DisabledReason, got.DisabledAt)
		}
	}
	if w.Status != WebhookEnabled {
		t.Error("AsOf changed the webhook it was given")
	}
	if !(&Webhook{Status: WebhookEnabled}).ExpiredAt(until) {
		t.Error("a webhook without validUntil is not expired")
	}
	gone := &Webhook{Status: WebhookDisabled, DisabledReason: DisabledGone, ValidUntil: until}
	if gone.ExpiredAt(until.Add(time.Hour)) || gone.AsOf(until.Add(time.Hour)).DisabledReason != DisabledGone {
		t.Error("a webhook disabled before its validUntil reads as expired")
	}
}

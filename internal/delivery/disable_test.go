package delivery

import (
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

func TestShouldDisable(t *testing.T) {
	created := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	webhook := func(status shiftwire.WebhookStatus) *shiftwire.Webhook {
		return &shiftwire.Webhook{Status: status, CreatedAt: created, ValidUntil: created.Add(30 * 24 * time.Hour)}
	}
	var (
		ok       = Result{Outcome: shiftwire.OutcomeSucceeded, StatusCode: 200}
		failed   = Result{Outcome: shiftwire.OutcomeFailed, StatusCode: 500}
		timedOut = Result{Outcome: shiftwire.OutcomeTimedOut}
		refused  = Result{Outcome: shiftwire.OutcomeConnectionFailed}
		gone     = Result{Outcome: shiftwire.OutcomeFailed, StatusCode: 410, Gone: true}
		none     = Result{}
	)
	const after = 72 * time.Hour
	for _, tc := range []struct {
		name        string
		w           *shiftwire.Webhook
		r           Result
		lastSuccess time.Time
		now         time.Time
		after       time.Duration
		want        shiftwire.DisabledReason
	}{
		{"success", webhook(shiftwire.WebhookEnabled), ok, created, created.Add(100 * time.Hour), after, ""},
		{"first failure", webhook(shiftwire.WebhookEnabled), failed, created, created.Add(time.Minute), after, ""},
		{"failing just under the limit", webhook(shiftwire.WebhookEnabled), failed, created, created.Add(after - time.Nanosecond), after, ""},
		{"failing for exactly the limit", webhook(shiftwire.WebhookEnabled), failed, created, created.Add(after), after, shiftwire.DisabledUnreachable},
		{"timed out past the limit", webhook(shiftwire.WebhookEnabled), timedOut, created, created.Add(80 * time.Hour), after, shiftwire.DisabledUnreachable},
		{"refused past the limit", webhook(shiftwire.WebhookEnabled), refused, created, created.Add(80 * time.Hour), after, shiftwire.DisabledUnreachable},
		{"recent success", webhook(shiftwire.WebhookEnabled), failed, created.Add(70 * time.Hour), created.Add(80 * time.Hour), after, ""},
		{"old success", webhook(shiftwire.WebhookEnabled), failed, created.Add(time.Hour), created.Add(73 * time.Hour), after, shiftwire.DisabledUnreachable},
		{"zero last success uses creation", webhook(shiftwire.WebhookEnabled), failed, time.Time{}, created.Add(73 * time.Hour), after, shiftwire.DisabledUnreachable},
		{"zero last success, young webhook", webhook(shiftwire.WebhookEnabled), failed, time.Time{}, created.Add(time.Hour), after, ""},
		{"success after the limit", webhook(shiftwire.WebhookEnabled), ok, created, created.Add(100 * time.Hour), after, ""},
		{"custom limit", webhook(shiftwire.WebhookEnabled), failed, created, created.Add(2 * time.Hour), time.Hour, shiftwire.DisabledUnreachable},
		{"zero limit means the default", webhook(shiftwire.WebhookEnabled), failed, created, created.Add(71 * time.Hour), 0, ""},
		{"zero limit means the default, past it", webhook(shiftwire.WebhookEnabled), failed, created, created.Add(72 * time.Hour), 0, shiftwire.DisabledUnreachable},
		{"gone at once", webhook(shiftwire.WebhookEnabled), gone, created, created.Add(time.Second), after, shiftwire.DisabledGone},
		{"gone past the limit", webhook(shiftwire.WebhookEnabled), gone, created, created.Add(100 * time.Hour), after, shiftwire.DisabledGone},
		{"expired on success", webhook(shiftwire.WebhookEnabled), ok, created, created.Add(30 * 24 * time.Hour), after, shiftwire.DisabledExpired},
		{"expired beats gone", webhook(shiftwire.WebhookEnabled), gone, created, created.Add(31 * 24 * time.Hour), after, shiftwire.DisabledExpired},
		{"expiry without an attempt", webhook(shiftwire.WebhookEnabled), none, created, created.Add(30 * 24 * time.Hour), after, shiftwire.DisabledExpired},
		{"no attempt, no expiry", webhook(shiftwire.WebhookEnabled), none, created, created.Add(100 * time.Hour), after, ""},
		{"already disabled", webhook(shiftwire.WebhookDisabled), gone, created, created.Add(time.Hour), after, ""},
		{"already disabled and expired", webhook(shiftwire.WebhookDisabled), failed, created, created.Add(40 * 24 * time.Hour), after, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ShouldDisable(tc.w, tc.r, tc.lastSuccess, tc.now, tc.after)
			if got != tc.want || ok != (tc.want != "") {
				t.Fatalf("ShouldDisable = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
}

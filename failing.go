package shiftwire

import (
	"slices"
	"time"
)

// WebhookHealth is a webhook's failure tracking, as a store reads it inside the transaction
// that writes a batch of completions back.
type WebhookHealth struct {
	WebhookID string
	TenantID  int64
	// FailingSince is the first failure since the last success; zero while it succeeds.
	FailingSince time.Time
	// FailedAttempts counts the attempts failed in a row.
	FailedAttempts int
	// FailingNotified is set once DeliveryFailing was queued, until the next success.
	FailingNotified bool
	// Notifies is set when the webhook has a lifecycleNotificationUrl.
	Notifies bool
}

// TrackHealth applies a batch of completions, in order, to the health of their webhooks and
// returns the healths that changed and the lifecycle notices the changes raise: the rule of
// failure tracking and of DeliveryFailing/DeliveryRecovered, decided here once for every
// store. Untracked completions (pings) change nothing. current holds the webhooks' health
// before the batch; a webhook missing from it is left alone.
func TrackHealth(current []WebhookHealth, completions []Completion) (changed []WebhookHealth, notices []Notice) {
	index := make(map[string]int, len(current))
	healths := make([]WebhookHealth, len(current))
	copy(healths, current)
	for i, h := range healths {
		index[h.WebhookID] = i
	}
	touched := make([]bool, len(healths))
	for _, c := range completions {
		i, ok := index[c.Attempt.WebhookID]
		if c.Untracked || !ok {
			continue
		}
		h := &healths[i]
		before := *h
		at := c.Attempt.AttemptedAt.Add(c.Attempt.Duration)
		if c.Succeeded {
			if h.FailingNotified {
				notices = append(notices, Notice{TenantID: h.TenantID, WebhookID: h.WebhookID, Event: DeliveryRecovered, OccurredAt: at})
			}
			h.FailingSince, h.FailedAttempts, h.FailingNotified = time.Time{}, 0, false
		} else {
			if h.FailingSince.IsZero() {
				h.FailingSince = c.Attempt.AttemptedAt
			}
			h.FailedAttempts++
			if h.Notifies && !h.FailingNotified && h.FailedAttempts >= FailingNoticeAfter {
				h.FailingNotified = true
				notices = append(notices, Notice{TenantID: h.TenantID, WebhookID: h.WebhookID, Event: DeliveryFailing, OccurredAt: at})
			}
		}
		if *h != before {
			touched[i] = true
		}
	}
	for i, h := range healths {
		if touched[i] && h != current[i] {
			changed = append(changed, h)
		}
	}
	return changed, notices
}

// TrackedWebhooks returns the ids of the webhooks whose health a batch of completions may
// change, each once, sorted: what a store reads (and locks) before TrackHealth.
func TrackedWebhooks(completions []Completion) []string {
	seen := map[string]bool{}
	var ids []string
	for _, c := range completions {
		if !c.Untracked && !seen[c.Attempt.WebhookID] {
			seen[c.Attempt.WebhookID] = true
			ids = append(ids, c.Attempt.WebhookID)
		}
	}
	slices.Sort(ids)
	return ids
}

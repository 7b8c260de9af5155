package shiftwire

import "time"

// FailingUpdate is what one batch of completions does to one webhook's failure tracking
// (Webhook.FailingSince), decided here once for every store.
type FailingUpdate struct {
	WebhookID string
	// Since is the first failure after the batch's last success; zero when the batch ends
	// with a success, which clears FailingSince.
	Since time.Time
	// Replace sets FailingSince to Since even when it is set: the webhook succeeded in the
	// batch and failed again after. Otherwise a set FailingSince is kept, since the webhook
	// was already failing before the batch.
	Replace bool
}

// FailingUpdates returns the failure-tracking update of every webhook of a batch of
// completions, in the order the webhooks first appear.
func FailingUpdates(completions []Completion) []FailingUpdate {
	var out []FailingUpdate
	index := map[string]int{}
	for _, c := range completions {
		if c.Untracked {
			continue
		}
		i, ok := index[c.Attempt.WebhookID]
		if !ok {
			i = len(out)
			index[c.Attempt.WebhookID] = i
			out = append(out, FailingUpdate{WebhookID: c.Attempt.WebhookID})
		}
		u := &out[i]
		if c.Succeeded {
			u.Since, u.Replace = time.Time{}, true
		} else if u.Since.IsZero() {
			u.Since = c.Attempt.AttemptedAt
		}
	}
	return out
}

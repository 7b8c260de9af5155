package postgres

import (
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shiftwire/shiftwire"
)

// queueFailingUpdates queues the failure-tracking updates of a batch of completions: the
// webhooks that ended the batch with a success are cleared in one statement, and the failing
// ones set in one statement each for those set unconditionally, since they succeeded earlier
// in the batch, and those set only where nothing is set.
func queueFailingUpdates(batch *pgx.Batch, updates []shiftwire.FailingUpdate) {
	var cleared []string
	var replace, first struct {
		ids   []string
		since []time.Time
	}
	for _, u := range updates {
		switch {
		case u.Since.IsZero() && u.Replace:
			cleared = append(cleared, u.WebhookID)
		case u.Since.IsZero(): // nothing to set where nothing is set
		case u.Replace:
			replace.ids, replace.since = append(replace.ids, u.WebhookID), append(replace.since, u.Since)
		default:
			first.ids, first.since = append(first.ids, u.WebhookID), append(first.since, u.Since)
		}
	}
	if len(cleared) > 0 {
		batch.Queue(`UPDATE webhooks SET failing_since = NULL WHERE id = ANY($1) AND failing_since IS NOT NULL`, cleared)
	}
	if len(replace.ids) > 0 {
		batch.Queue(`UPDATE webhooks w SET failing_since = u.since FROM unnest($1::text[], $2::timestamptz[]) AS u (id, since)
			WHERE w.id = u.id`, replace.ids, replace.since)
	}
	if len(first.ids) > 0 {
		batch.Queue(`UPDATE webhooks w SET failing_since = u.since FROM unnest($1::text[], $2::timestamptz[]) AS u (id, since)
			WHERE w.id = u.id AND w.failing_since IS NULL`, first.ids, first.since)
	}
}

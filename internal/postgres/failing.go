package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shiftwire/shiftwire"
)

// lockHealth locks the webhooks of a batch of completions, in id order, and reads their
// health: the lock every completing transaction takes, so that two instances completing
// attempts of one webhook take turns and each reads what the other wrote.
func lockHealth(ctx context.Context, tx pgx.Tx, ids []string) ([]shiftwire.WebhookHealth, error) {
	rows, err := tx.Query(ctx, `SELECT id, tenant_id, failing_since, failed_attempts, failing_notified, lifecycle_url <> ''
		FROM webhooks WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (shiftwire.WebhookHealth, error) {
		var h shiftwire.WebhookHealth
		var since *time.Time
		err := row.Scan(&h.WebhookID, &h.TenantID, &since, &h.FailedAttempts, &h.FailingNotified, &h.Notifies)
		h.FailingSince = fromNullTime(since)
		return h, err
	})
}

// queueHealth queues the health updates shiftwire.TrackHealth decides for a batch of
// completions, all in one statement, and the notices they raise in another.
func queueHealth(batch *pgx.Batch, current []shiftwire.WebhookHealth, completions []shiftwire.Completion) {
	changed, notices := shiftwire.TrackHealth(current, completions)
	if len(changed) > 0 {
		ids := make([]string, len(changed))
		since := make([]*time.Time, len(changed))
		failed := make([]int32, len(changed))
		notified := make([]bool, len(changed))
		for i, h := range changed {
			ids[i], since[i], failed[i], notified[i] = h.WebhookID, nullTime(h.FailingSince), int32(h.FailedAttempts), h.FailingNotified
		}
		batch.Queue(`UPDATE webhooks w SET failing_since = u.since, failed_attempts = u.failed, failing_notified = u.notified
			FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::bool[]) AS u (id, since, failed, notified)
			WHERE w.id = u.id`, ids, since, failed, notified)
	}
	queueNotices(batch, notices)
}

package sqlite

import (
	"context"
	"database/sql"

	"github.com/shiftwire/shiftwire"
)

// trackHealth reads the health of the webhooks a batch of completions tracks, applies the
// batch with shiftwire.TrackHealth, writes back the healths that changed and queues the
// notices raised. The single writer makes the read and the write one step.
func trackHealth(ctx context.Context, tx *sql.Tx, completions []shiftwire.Completion) error {
	ids := shiftwire.TrackedWebhooks(completions)
	if len(ids) == 0 {
		return nil
	}
	failed := map[string]bool{}
	for _, c := range completions {
		if !c.Succeeded && !c.Untracked {
			failed[c.Attempt.WebhookID] = true
		}
	}
	var current []shiftwire.WebhookHealth
	for chunk := range chunks(ids, 500) {
		args := make([]any, len(chunk))
		failing := 0
		for i, id := range chunk {
			args[i] = id
			if failed[id] {
				failing++
			}
		}
		// A webhook that only succeeded in the batch changes only if it was failing: in the
		// usual batch of successes the read finds nothing to change, through the primary key.
		cond := ` AND (failing_since IS NOT NULL OR failed_attempts > 0 OR failing_notified)`
		if failing > 0 {
			cond = ""
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, tenant_id, failing_since, failed_attempts, failing_notified, lifecycle_url <> ''
			FROM webhooks WHERE id IN (`+placeholders(len(chunk))+`)`+cond, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var h shiftwire.WebhookHealth
			var since sql.NullInt64
			if err := rows.Scan(&h.WebhookID, &h.TenantID, &since, &h.FailedAttempts, &h.FailingNotified, &h.Notifies); err != nil {
				rows.Close()
				return err
			}
			h.FailingSince = fromNullMillis(since)
			current = append(current, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	changed, notices := shiftwire.TrackHealth(current, completions)
	for _, h := range changed {
		if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET failing_since = ?, failed_attempts = ?, failing_notified = ? WHERE id = ?`,
			nullMillis(h.FailingSince), h.FailedAttempts, h.FailingNotified, h.WebhookID); err != nil {
			return err
		}
	}
	return queueNotices(ctx, tx, notices)
}

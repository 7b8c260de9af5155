package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shiftwire/shiftwire"
)

// queueNotices queues the insert of lifecycle notices, due at once, in one statement.
func queueNotices(batch *pgx.Batch, notices []shiftwire.Notice) {
	if len(notices) == 0 {
		return
	}
	tenants := make([]int64, len(notices))
	hooks := make([]string, len(notices))
	events := make([]string, len(notices))
	reasons := make([]string, len(notices))
	at := make([]time.Time, len(notices))
	for i, n := range notices {
		tenants[i], hooks[i], events[i], reasons[i], at[i] = n.TenantID, n.WebhookID, string(n.Event), string(n.Reason), n.OccurredAt
	}
	batch.Queue(`INSERT INTO lifecycle_notices (tenant_id, webhook_id, event, reason, occurred_at, next_attempt_at)
		SELECT u.tenant_id, u.webhook_id, u.event, u.reason, u.at, u.at
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS u (tenant_id, webhook_id, event, reason, at)`,
		tenants, hooks, events, reasons, at)
}

// QueueExpiryNotices queues ExpiringSoon once for every enabled webhook with a lifecycle URL
// whose validUntil is not after expiringBy. Every instance runs it; the conditional update
// queues each notice once.
func (db *DB) QueueExpiryNotices(ctx context.Context, expiringBy, now time.Time) (int, error) {
	var n int
	// The webhooks are locked in id order, as every transaction here locks them.
	err := db.pool.QueryRow(ctx, `WITH due AS (
			SELECT id FROM webhooks
			WHERE status = $1 AND valid_until <= $2 AND lifecycle_url <> '' AND NOT expiry_notified
			ORDER BY id FOR NO KEY UPDATE),
		noticed AS (
			UPDATE webhooks SET expiry_notified = true
			WHERE id IN (SELECT id FROM due) AND NOT expiry_notified
			RETURNING tenant_id, id),
		queued AS (
			INSERT INTO lifecycle_notices (tenant_id, webhook_id, event, occurred_at, next_attempt_at)
			SELECT tenant_id, id, $3, $4, $4 FROM noticed RETURNING 1)
		SELECT count(*) FROM queued`,
		string(shiftwire.WebhookEnabled), expiringBy, string(shiftwire.ExpiringSoon), now).Scan(&n)
	return n, err
}

// ClaimNotices leases the due notices that head their webhooks' queues. Rows another
// instance holds are skipped; the head condition sees them, so a webhook's notices still go
// one at a time.
func (db *DB) ClaimNotices(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*shiftwire.Notice, error) {
	rows, err := db.pool.Query(ctx, `UPDATE lifecycle_notices SET lease_until = $2, next_attempt_at = $2, lease = $4
		WHERE id IN (SELECT n.id FROM lifecycle_notices n
			WHERE n.next_attempt_at <= $1 AND n.lease_until <= $1
				AND NOT EXISTS (SELECT 1 FROM lifecycle_notices e WHERE e.webhook_id = n.webhook_id AND e.id < n.id)
			ORDER BY n.next_attempt_at, n.id LIMIT $3
			FOR UPDATE SKIP LOCKED)
		RETURNING id, tenant_id, webhook_id, event, reason, occurred_at, attempt, next_attempt_at, lease`,
		now, leaseUntil, limit, int64(shiftwire.NewLease()))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*shiftwire.Notice, error) {
		var n shiftwire.Notice
		var event, reason string
		var lease int64
		err := row.Scan(&n.ID, &n.TenantID, &n.WebhookID, &event, &reason, &n.OccurredAt, &n.Attempt, &n.NextAttemptAt, &lease)
		n.Event, n.Reason, n.Lease = shiftwire.LifecycleEvent(event), shiftwire.DisabledReason(reason), shiftwire.Lease(lease)
		n.OccurredAt, n.NextAttemptAt = n.OccurredAt.UTC(), n.NextAttemptAt.UTC()
		return &n, err
	})
}

// CompleteNotices records the attempts of notices and removes or reschedules those that
// still hold their leases.
func (db *DB) CompleteNotices(ctx context.Context, completions []shiftwire.NoticeCompletion) error {
	if len(completions) == 0 {
		return nil
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		batch := &pgx.Batch{}
		attempts := make([]*shiftwire.Attempt, len(completions))
		for i := range completions {
			attempts[i] = &completions[i].Attempt
		}
		if err := queueAttempts(batch, attempts); err != nil {
			return err
		}
		for _, c := range completions {
			if c.Done {
				batch.Queue(`DELETE FROM lifecycle_notices WHERE id = $1 AND lease = $2`, c.Notice, int64(c.Lease))
			} else {
				batch.Queue(`UPDATE lifecycle_notices SET attempt = attempt + 1, next_attempt_at = $1, lease_until = '-infinity'
					WHERE id = $2 AND lease = $3`, c.Attempt.NextAttemptAt, c.Notice, int64(c.Lease))
			}
		}
		return tx.SendBatch(ctx, batch).Close()
	})
}

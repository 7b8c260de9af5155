package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/shiftwire/shiftwire"
)

// queueNotices inserts lifecycle notices, due at once, in the caller's transaction.
func queueNotices(ctx context.Context, tx *sql.Tx, notices []shiftwire.Notice) error {
	for chunk := range chunks(notices, 1000) {
		args := make([]any, 0, 6*len(chunk))
		for _, n := range chunk {
			at := millis(n.OccurredAt)
			args = append(args, n.TenantID, n.WebhookID, string(n.Event), string(n.Reason), at, at)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO lifecycle_notices (tenant_id, webhook_id, event, reason, occurred_at, next_attempt_at)
			VALUES `+strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?),", len(chunk)), ","), args...); err != nil {
			return err
		}
	}
	return nil
}

// QueueExpiryNotices queues ExpiringSoon once for every enabled webhook with a lifecycle URL
// whose validUntil is not after expiringBy.
func (db *DB) QueueExpiryNotices(ctx context.Context, expiringBy, now time.Time) (int, error) {
	var notices []shiftwire.Notice
	err := db.inBookkeepingTx(ctx, func(tx *sql.Tx) error {
		notices = notices[:0]
		rows, err := tx.QueryContext(ctx, `UPDATE webhooks SET expiry_notified = 1
			WHERE status = ? AND valid_until <= ? AND lifecycle_url <> '' AND expiry_notified = 0
			RETURNING tenant_id, id`, string(shiftwire.WebhookEnabled), millis(expiringBy))
		if err != nil {
			return err
		}
		for rows.Next() {
			n := shiftwire.Notice{Event: shiftwire.ExpiringSoon, OccurredAt: now}
			if err := rows.Scan(&n.TenantID, &n.WebhookID); err != nil {
				rows.Close()
				return err
			}
			notices = append(notices, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		return queueNotices(ctx, tx, notices)
	})
	return len(notices), err
}

// ClaimNotices leases the due notices that head their webhooks' queues.
func (db *DB) ClaimNotices(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*shiftwire.Notice, error) {
	var out []*shiftwire.Notice
	err := db.inBookkeepingTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		at := millis(now)
		rows, err := tx.QueryContext(ctx, `SELECT n.id, n.tenant_id, n.webhook_id, n.event, n.reason, n.occurred_at, n.attempt, n.next_attempt_at
			FROM lifecycle_notices n
			WHERE n.next_attempt_at <= ? AND n.lease_until <= ?
				AND NOT EXISTS (SELECT 1 FROM lifecycle_notices e WHERE e.webhook_id = n.webhook_id AND e.id < n.id)
			ORDER BY n.next_attempt_at, n.id LIMIT ?`, at, at, limit)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var n shiftwire.Notice
			var event, reason string
			var occurred, next int64
			if err := rows.Scan(&n.ID, &n.TenantID, &n.WebhookID, &event, &reason, &occurred, &n.Attempt, &next); err != nil {
				rows.Close()
				return err
			}
			n.Event, n.Reason = shiftwire.LifecycleEvent(event), shiftwire.DisabledReason(reason)
			n.OccurredAt, n.NextAttemptAt = fromMillis(occurred), fromMillis(next)
			out = append(out, &n)
			ids = append(ids, n.ID)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(out) == 0 {
			return err
		}
		lease := shiftwire.NewLease()
		for _, n := range out {
			n.Lease = lease
		}
		return execChunks(ctx, tx, `UPDATE lifecycle_notices SET lease_until = ?, next_attempt_at = ?, lease = ? WHERE id IN (%s)`,
			[]any{millis(leaseUntil), millis(leaseUntil), int64(lease)}, ids)
	})
	return out, err
}

// CompleteNotices records the attempts of notices and removes or reschedules them.
func (db *DB) CompleteNotices(ctx context.Context, completions []shiftwire.NoticeCompletion) error {
	if len(completions) == 0 {
		return nil
	}
	attempts := make([]shiftwire.Completion, len(completions))
	for i, c := range completions {
		attempts[i] = shiftwire.Completion{Attempt: c.Attempt}
	}
	return db.inBookkeepingTx(ctx, func(tx *sql.Tx) error {
		if err := insertAttempts(ctx, tx, attempts); err != nil {
			return err
		}
		for _, c := range completions {
			var err error
			if c.Done {
				_, err = tx.ExecContext(ctx, `DELETE FROM lifecycle_notices WHERE id = ? AND lease = ?`, c.Notice, int64(c.Lease))
			} else {
				_, err = tx.ExecContext(ctx, `UPDATE lifecycle_notices SET attempt = attempt + 1, next_attempt_at = ?, lease_until = 0
					WHERE id = ? AND lease = ?`, millis(c.Attempt.NextAttemptAt), c.Notice, int64(c.Lease))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

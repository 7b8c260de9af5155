package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/shiftwire/shiftwire"
)

// WebhookStats returns the stats of the webhooks of tenantID named in ids, attempts counted
// since since. Each webhook costs three indexed reads: its queue, its newest success (read
// newest first, so it stops at the first success), and its attempts since since.
func (db *DB) WebhookStats(ctx context.Context, tenantID int64, ids []string, since time.Time) (map[string]shiftwire.WebhookStats, error) {
	out := make(map[string]shiftwire.WebhookStats, len(ids))
	first := shiftwire.FirstIDAt(since)
	for _, id := range ids {
		var s shiftwire.WebhookStats
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM deliveries WHERE webhook_id = ? AND tenant_id = ?`,
			id, tenantID).Scan(&s.Backlog); err != nil {
			return nil, err
		}
		var at int64
		err := db.read.QueryRowContext(ctx, `SELECT attempted_at FROM delivery_attempts
			WHERE webhook_id = ? AND tenant_id = ? AND outcome = ? AND change_versions <> '' ORDER BY id DESC LIMIT 1`,
			id, tenantID, string(shiftwire.OutcomeSucceeded)).Scan(&at)
		switch {
		case err == nil:
			s.LastSuccessAt = fromMillis(at)
		case !errors.Is(err, sql.ErrNoRows):
			return nil, err
		}
		if err := db.read.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(outcome <> ?), 0) FROM delivery_attempts
			WHERE webhook_id = ? AND tenant_id = ? AND id >= ? AND change_versions <> ''`,
			string(shiftwire.OutcomeSucceeded), id, tenantID, first).Scan(&s.Attempts, &s.Failures); err != nil {
			return nil, err
		}
		out[id] = s
	}
	return out, nil
}

// WebhookBacklogs counts the queued deliveries of every webhook of every tenant that has any,
// in one read of the queue: what a backlog chart samples.
func (db *DB) WebhookBacklogs(ctx context.Context) (map[string]int64, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT webhook_id, count(*) FROM deliveries GROUP BY webhook_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

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
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM deliveries WHERE webhook_id = $1 AND tenant_id = $2`,
			id, tenantID).Scan(&s.Backlog); err != nil {
			return nil, err
		}
		var at time.Time
		err := db.pool.QueryRow(ctx, `SELECT attempted_at FROM delivery_attempts
			WHERE webhook_id = $1 AND tenant_id = $2 AND outcome = $3 AND cardinality(change_versions) > 0 ORDER BY id DESC LIMIT 1`,
			id, tenantID, string(shiftwire.OutcomeSucceeded)).Scan(&at)
		switch {
		case err == nil:
			s.LastSuccessAt = at.UTC()
		case !errors.Is(err, pgx.ErrNoRows):
			return nil, err
		}
		if err := db.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE outcome <> $1) FROM delivery_attempts
			WHERE webhook_id = $2 AND tenant_id = $3 AND id >= $4 AND cardinality(change_versions) > 0`,
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
	rows, err := db.pool.Query(ctx, `SELECT webhook_id, count(*) FROM deliveries GROUP BY webhook_id`)
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

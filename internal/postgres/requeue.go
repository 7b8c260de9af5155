package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shiftwire/shiftwire"
)

// RequeueChanges queues changes again for one enabled webhook, behind what is queued for
// their objects: new rows take the highest ids, and a lane is in id order. It holds the
// tenant's lock, as a write does, so no write of the tenant is half-way: a lane never gains
// a row below one already claimed.
func (db *DB) RequeueChanges(ctx context.Context, tenantID int64, webhookID string, versions []shiftwire.ChangeVersion, committedAfter, now time.Time) (int, error) {
	if len(versions) == 0 {
		return 0, nil
	}
	vs := make([]int64, len(versions))
	for i, v := range versions {
		vs[i] = int64(v)
	}
	var n int
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := lockTenant(ctx, tx, tenantID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `WITH queued AS (
				INSERT INTO deliveries (webhook_id, tenant_id, version, object_id, next_attempt_at)
				SELECT $1, c.tenant_id, c.version, c.object_id, $2
				FROM changes c
				WHERE c.tenant_id = $3 AND c.version = ANY($4) AND c.committed_at > $6
					AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.webhook_id = $1 AND d.object_id = c.object_id AND d.version = c.version)
					AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = $1 AND w.tenant_id = c.tenant_id AND w.status = $5)
				ORDER BY c.version
				RETURNING 1)
			`+notifySQL, webhookID, now, tenantID, vs, string(shiftwire.WebhookEnabled), committedAfter).Scan(&n, new(*int))
	})
	return n, err
}

// CollectionChanges returns change-log entries of one collection, without their data.
func (db *DB) CollectionChanges(ctx context.Context, tenantID int64, collection string, after shiftwire.ChangeVersion, since time.Time, limit int) ([]shiftwire.Change, error) {
	rows, err := db.pool.Query(ctx, `SELECT version, object_id, change_type, committed_at FROM changes
		WHERE tenant_id = $1 AND collection = $2 AND version > $3 AND committed_at > $4 ORDER BY version LIMIT $5`,
		tenantID, collection, int64(after), since, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (shiftwire.Change, error) {
		c := shiftwire.Change{TenantID: tenantID, Collection: collection}
		var version int64
		var typ string
		err := row.Scan(&version, &c.ObjectID, &typ, &c.CommittedAt)
		c.Version, c.Type, c.CommittedAt = shiftwire.ChangeVersion(version), shiftwire.ChangeType(typ), c.CommittedAt.UTC()
		return c, err
	})
}

package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/shiftwire/shiftwire"
)

// RequeueChanges queues changes again for one enabled webhook, behind what is queued for
// their objects: new rows take the highest ids, and a lane is in id order. Rows are inserted
// in version order, so requeued changes of one object keep their order too.
func (db *DB) RequeueChanges(ctx context.Context, tenantID int64, webhookID string, versions []shiftwire.ChangeVersion, committedAfter, now time.Time) (int, error) {
	if len(versions) == 0 {
		return 0, nil
	}
	total := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for chunk := range chunks(versions, maxParameters-9) {
			args := []any{webhookID, millis(now), tenantID, millis(committedAfter)}
			for _, v := range chunk {
				args = append(args, int64(v))
			}
			args = append(args, webhookID, webhookID, string(shiftwire.WebhookEnabled))
			res, err := tx.ExecContext(ctx, `INSERT INTO deliveries (webhook_id, tenant_id, version, object_id, next_attempt_at)
				SELECT ?, c.tenant_id, c.version, c.object_id, ?
				FROM changes c
				WHERE c.tenant_id = ? AND c.committed_at > ? AND c.version IN (`+placeholders(len(chunk))+`)
					AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.webhook_id = ? AND d.object_id = c.object_id AND d.version = c.version)
					AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = ? AND w.tenant_id = c.tenant_id AND w.status = ?)
				ORDER BY c.version`, args...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			total += int(n)
		}
		return nil
	})
	if err == nil && total > 0 {
		db.wake()
	}
	return total, err
}

// CollectionChanges returns change-log entries of one collection, without their data.
func (db *DB) CollectionChanges(ctx context.Context, tenantID int64, collection string, after shiftwire.ChangeVersion, since time.Time, limit int) ([]shiftwire.Change, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT version, object_id, change_type, committed_at FROM changes
		WHERE tenant_id = ? AND collection = ? AND version > ? AND committed_at > ? ORDER BY version LIMIT ?`,
		tenantID, collection, int64(after), millis(since), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []shiftwire.Change
	for rows.Next() {
		c := shiftwire.Change{TenantID: tenantID, Collection: collection}
		var typ string
		var committed int64
		if err := rows.Scan(&c.Version, &c.ObjectID, &typ, &committed); err != nil {
			return nil, err
		}
		c.Type, c.CommittedAt = shiftwire.ChangeType(typ), fromMillis(committed)
		out = append(out, c)
	}
	return out, rows.Err()
}

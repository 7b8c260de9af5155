package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/shiftwire/shiftwire"
)

// LastChangeVersion returns the tenant's last committed change version.
func (db *DB) LastChangeVersion(ctx context.Context, tenantID int64) (shiftwire.ChangeVersion, error) {
	var last int64
	err := db.read.QueryRowContext(ctx, `SELECT last_version FROM tenants WHERE id = ?`, tenantID).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, shiftwire.NotFound("tenant not found")
	}
	return shiftwire.ChangeVersion(last), err
}

// DeltaChanges returns the last change of each object of collection in (after, upTo], in
// version order.
func (db *DB) DeltaChanges(ctx context.Context, tenantID int64, collection string, after, upTo shiftwire.ChangeVersion, limit int) ([]shiftwire.Change, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT c.version, c.object_id, c.change_type, c.data, c.committed_at
		FROM changes c INDEXED BY changes_by_collection
		WHERE c.tenant_id = ?1 AND c.collection = ?2 AND c.version > ?3 AND c.version <= ?4
			AND NOT EXISTS (SELECT 1 FROM changes n INDEXED BY changes_by_object WHERE n.tenant_id = ?1 AND n.collection = ?2
				AND n.object_id = c.object_id AND n.version > c.version AND n.version <= ?4)
		ORDER BY c.version LIMIT ?5`, tenantID, collection, int64(after), int64(upTo), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []shiftwire.Change
	for rows.Next() {
		c := shiftwire.Change{TenantID: tenantID, Collection: collection}
		var typ string
		var data []byte
		var committed int64
		if err := rows.Scan(&c.Version, &c.ObjectID, &typ, &data, &committed); err != nil {
			return nil, err
		}
		if data != nil {
			c.Data = data
		}
		c.Type, c.CommittedAt = shiftwire.ChangeType(typ), fromMillis(committed)
		out = append(out, c)
	}
	return out, rows.Err()
}

// StartDelta inserts d in place of the delta of its client and collection, with the
// tenant's last change version as its cursor. SQLite's single writer orders it with every
// write: no change is half-way.
func (db *DB) StartDelta(ctx context.Context, d *shiftwire.Delta) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var last int64
		err := tx.QueryRowContext(ctx, `SELECT last_version FROM tenants WHERE id = ?`, d.TenantID).Scan(&last)
		if errors.Is(err, sql.ErrNoRows) {
			return shiftwire.NotFound("tenant not found")
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM deltas WHERE tenant_id = ? AND client_id = ? AND collection = ?`,
			d.TenantID, d.ClientID, d.Collection); err != nil {
			return err
		}
		d.Cursor = shiftwire.ChangeVersion(last)
		return tx.QueryRowContext(ctx, `INSERT INTO deltas (tenant_id, client_id, collection, cursor, last_used_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, d.TenantID, d.ClientID, d.Collection, last, millis(d.LastUsedAt)).Scan(&d.ID)
	})
}

// Delta returns an active delta.
func (db *DB) Delta(ctx context.Context, tenantID, id int64) (*shiftwire.Delta, error) {
	d := shiftwire.Delta{ID: id, TenantID: tenantID}
	var cursor, used int64
	err := db.read.QueryRowContext(ctx, `SELECT client_id, collection, cursor, last_used_at FROM deltas WHERE tenant_id = ? AND id = ?`,
		tenantID, id).Scan(&d.ClientID, &d.Collection, &cursor, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shiftwire.NotFound("delta not found")
	}
	d.Cursor, d.LastUsedAt = shiftwire.ChangeVersion(cursor), fromMillis(used)
	return &d, err
}

// UseDelta writes d's cursor and last use.
func (db *DB) UseDelta(ctx context.Context, d *shiftwire.Delta) error {
	res, err := db.exec(ctx, synced, `UPDATE deltas SET cursor = ?, last_used_at = ? WHERE tenant_id = ? AND id = ?`,
		int64(d.Cursor), millis(d.LastUsedAt), d.TenantID, d.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return shiftwire.NotFound("delta not found")
	}
	return nil
}

// RetireDeltas deletes the deltas last used before usedBefore.
func (db *DB) RetireDeltas(ctx context.Context, usedBefore time.Time) (int, error) {
	res, err := db.exec(ctx, bookkeeping, `DELETE FROM deltas WHERE last_used_at < ?`, millis(usedBefore))
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shiftwire/shiftwire"
)

// LastChangeVersion returns the tenant's last committed change version: a write's new
// last_version is visible only once it committed.
func (db *DB) LastChangeVersion(ctx context.Context, tenantID int64) (shiftwire.ChangeVersion, error) {
	var last int64
	err := db.pool.QueryRow(ctx, `SELECT last_version FROM tenants WHERE id = $1`, tenantID).Scan(&last)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, shiftwire.NotFound("tenant not found")
	}
	return shiftwire.ChangeVersion(last), err
}

// DeltaChanges returns the last change of each object of collection in (after, upTo], in
// version order.
func (db *DB) DeltaChanges(ctx context.Context, tenantID int64, collection string, after, upTo shiftwire.ChangeVersion, limit int) ([]shiftwire.Change, error) {
	rows, err := db.pool.Query(ctx, `SELECT c.version, c.object_id, c.change_type, c.data, c.committed_at
		FROM changes c
		WHERE c.tenant_id = $1 AND c.collection = $2 AND c.version > $3 AND c.version <= $4
			AND NOT EXISTS (SELECT 1 FROM changes n WHERE n.tenant_id = $1 AND n.collection = $2
				AND n.object_id = c.object_id AND n.version > c.version AND n.version <= $4)
		ORDER BY c.version LIMIT $5`, tenantID, collection, int64(after), int64(upTo), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []shiftwire.Change
	for rows.Next() {
		c := shiftwire.Change{TenantID: tenantID, Collection: collection}
		var version int64
		var typ string
		var data []byte
		if err := rows.Scan(&version, &c.ObjectID, &typ, &data, &c.CommittedAt); err != nil {
			return nil, err
		}
		if data != nil {
			c.Data = data
		}
		c.Version, c.Type, c.CommittedAt = shiftwire.ChangeVersion(version), shiftwire.ChangeType(typ), c.CommittedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// StartDelta inserts d in place of the delta of its client and collection, with the
// tenant's last change version as its cursor, read under the tenant's lock that every write
// holds from its first version to its commit: no change is half-way.
func (db *DB) StartDelta(ctx context.Context, d *shiftwire.Delta) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		last, err := lockTenant(ctx, tx, d.TenantID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM deltas WHERE tenant_id = $1 AND client_id = $2 AND collection = $3`,
			d.TenantID, d.ClientID, d.Collection); err != nil {
			return err
		}
		d.Cursor = shiftwire.ChangeVersion(last)
		return tx.QueryRow(ctx, `INSERT INTO deltas (tenant_id, client_id, collection, cursor, last_used_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, d.TenantID, d.ClientID, d.Collection, last, d.LastUsedAt).Scan(&d.ID)
	})
}

// Delta returns an active delta.
func (db *DB) Delta(ctx context.Context, tenantID, id int64) (*shiftwire.Delta, error) {
	d := shiftwire.Delta{ID: id, TenantID: tenantID}
	var cursor int64
	err := db.pool.QueryRow(ctx, `SELECT client_id, collection, cursor, last_used_at FROM deltas WHERE tenant_id = $1 AND id = $2`,
		tenantID, id).Scan(&d.ClientID, &d.Collection, &cursor, &d.LastUsedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, shiftwire.NotFound("delta not found")
	}
	d.Cursor, d.LastUsedAt = shiftwire.ChangeVersion(cursor), d.LastUsedAt.UTC()
	return &d, err
}

// UseDelta writes d's cursor and last use.
func (db *DB) UseDelta(ctx context.Context, d *shiftwire.Delta) error {
	tag, err := db.pool.Exec(ctx, `UPDATE deltas SET cursor = $1, last_used_at = $2 WHERE tenant_id = $3 AND id = $4`,
		int64(d.Cursor), d.LastUsedAt, d.TenantID, d.ID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return shiftwire.NotFound("delta not found")
	}
	return nil
}

// RetireDeltas deletes the deltas last used before usedBefore.
func (db *DB) RetireDeltas(ctx context.Context, usedBefore time.Time) (int, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM deltas WHERE last_used_at < $1`, usedBefore)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/shiftwire/shiftwire"
)

// Write runs fn in one write transaction on the objects of tenantID. The tenant's version
// counter is read once at the start and written back once at the end: SQLite has a single
// writer, so no other transaction can take versions in between.
func (db *DB) Write(ctx context.Context, tenantID int64, fn func(shiftwire.WriteTx) error) error {
	txn, err := db.begin(ctx, synced)
	if err != nil {
		return err
	}
	defer txn.Rollback()
	tx := txn.Tx
	now := db.now()
	w := &writeTx{tx: tx, tenantID: tenantID, committedAt: millis(now), committedTime: fromMillis(millis(now)), nextIDs: map[string]int64{}}
	if err := tx.QueryRowContext(ctx, `SELECT last_version FROM tenants WHERE id = ?`, tenantID).Scan(&w.last); errors.Is(err, sql.ErrNoRows) {
		return shiftwire.NotFound("tenant not found")
	} else if err != nil {
		return err
	}
	start := w.last
	defer w.close()
	if err := fn(w); err != nil {
		return err
	}
	if w.last == start {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tenants SET last_version = ? WHERE id = ?`, w.last, tenantID); err != nil {
		return err
	}
	// Every change is queued for the webhooks that receive it in this same transaction, so
	// a change is queued exactly when it commits.
	queued, err := fanOut(ctx, tx, tenantID, w.changes)
	if err != nil {
		return err
	}
	if err := txn.Commit(); err != nil {
		return err
	}
	if queued > 0 {
		db.wake()
	}
	return nil
}

// writeTx is the WriteTx of one Write call.
type writeTx struct {
	tx            *sql.Tx
	tenantID      int64
	last          int64 // the last version taken
	committedAt   int64
	committedTime time.Time // committedAt as a time, as the change log reads it back
	nextIDs       map[string]int64
	changes       []*shiftwire.Change // appended by this transaction, for the fan-out

	// Prepared on first use: bulk loads put many objects.
	putObject, deleteKeys, putKey, putChange *sql.Stmt
}

func (w *writeTx) close() {
	for _, s := range []*sql.Stmt{w.putObject, w.deleteKeys, w.putKey, w.putChange} {
		if s != nil {
			s.Close()
		}
	}
}

func (w *writeTx) Object(ctx context.Context, collection string, id int64) (*shiftwire.Object, error) {
	return queryObject(ctx, w.tx, w.tenantID, collection, id)
}

func (w *writeTx) Missing(ctx context.Context, collection string, ids []int64) ([]int64, error) {
	have := make(map[int64]bool, len(ids))
	for chunk := range chunks(ids, 500) {
		args := []any{w.tenantID, collection}
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := w.tx.QueryContext(ctx, `SELECT id FROM objects WHERE tenant_id = ? AND collection = ? AND id IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			have[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var missing []int64
	for _, id := range ids {
		if !have[id] {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

func (w *writeTx) List(ctx context.Context, q shiftwire.ObjectQuery) ([]*shiftwire.Object, error) {
	return listObjects(ctx, w.tx, w.tenantID, q)
}

func (w *writeTx) NextID(ctx context.Context, collection string) (int64, error) {
	next, ok := w.nextIDs[collection]
	if !ok {
		if err := w.tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM objects WHERE tenant_id = ? AND collection = ?`,
			w.tenantID, collection).Scan(&next); err != nil {
			return 0, err
		}
	}
	w.nextIDs[collection] = next + 1
	return next, nil
}

// Put writes the object and replaces its keys with o.Keys.
func (w *writeTx) Put(ctx context.Context, o *shiftwire.Object) error {
	if err := w.prepare(ctx); err != nil {
		return err
	}
	w.last++
	o.Version = shiftwire.ChangeVersion(w.last)
	if _, err := w.putObject.ExecContext(ctx, w.tenantID, o.Collection, o.ID, w.last, []byte(o.Data)); err != nil {
		return err
	}
	if _, err := w.deleteKeys.ExecContext(ctx, w.tenantID, o.Collection, o.ID); err != nil {
		return err
	}
	for _, k := range o.Keys {
		if _, err := w.putKey.ExecContext(ctx, w.tenantID, o.Collection, k.Name, k.Value, o.ID); err != nil {
			return err
		}
	}
	if next := w.nextIDs[o.Collection]; next != 0 && o.ID >= next {
		w.nextIDs[o.Collection] = o.ID + 1
	}
	return w.logChange(ctx, o.Collection, o.ID, shiftwire.InsertOrUpdate, o.Data)
}

// prepare prepares the statements of Put.
func (w *writeTx) prepare(ctx context.Context) error {
	if w.putObject != nil {
		return nil
	}
	var err error
	if w.putObject, err = w.tx.PrepareContext(ctx, `INSERT INTO objects (tenant_id, collection, id, version, data) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, collection, id) DO UPDATE SET version = excluded.version, data = excluded.data`); err != nil {
		return err
	}
	if w.deleteKeys, err = w.tx.PrepareContext(ctx, `DELETE FROM object_keys WHERE tenant_id = ? AND collection = ? AND object_id = ?`); err != nil {
		return err
	}
	// A key given twice is kept once.
	w.putKey, err = w.tx.PrepareContext(ctx, `INSERT OR IGNORE INTO object_keys (tenant_id, collection, name, value, object_id) VALUES (?, ?, ?, ?, ?)`)
	return err
}

func (w *writeTx) Delete(ctx context.Context, collection string, id int64) (shiftwire.ChangeVersion, error) {
	res, err := w.tx.ExecContext(ctx, `DELETE FROM objects WHERE tenant_id = ? AND collection = ? AND id = ?`, w.tenantID, collection, id)
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, err
	} else if n == 0 {
		return 0, shiftwire.NotFound("%s %d not found", collection, id)
	}
	for _, table := range []string{"object_keys", "custom_references"} {
		if _, err := w.tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE tenant_id = ? AND collection = ? AND object_id = ?`,
			w.tenantID, collection, id); err != nil {
			return 0, err
		}
	}
	w.last++
	return shiftwire.ChangeVersion(w.last), w.logChange(ctx, collection, id, shiftwire.Delete, nil)
}

// logChange appends the change at version w.last to the change log.
func (w *writeTx) logChange(ctx context.Context, collection string, id int64, typ shiftwire.ChangeType, data []byte) error {
	var err error
	if w.putChange == nil {
		if w.putChange, err = w.tx.PrepareContext(ctx, `INSERT INTO changes (tenant_id, version, collection, object_id, change_type, data, committed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`); err != nil {
			return err
		}
	}
	if _, err = w.putChange.ExecContext(ctx, w.tenantID, w.last, collection, id, string(typ), data, w.committedAt); err != nil {
		return err
	}
	w.changes = append(w.changes, &shiftwire.Change{TenantID: w.tenantID, Version: shiftwire.ChangeVersion(w.last),
		Collection: collection, ObjectID: id, Type: typ, CommittedAt: w.committedTime})
	return nil
}

// Object returns one object of tenantID.
func (db *DB) Object(ctx context.Context, tenantID int64, collection string, id int64) (*shiftwire.Object, error) {
	return queryObject(ctx, db.read, tenantID, collection, id)
}

// ObjectByCustomReference returns the object whose custom reference name has value.
func (db *DB) ObjectByCustomReference(ctx context.Context, tenantID int64, collection, name, value string) (*shiftwire.Object, error) {
	var id int64
	err := db.read.QueryRowContext(ctx, `SELECT object_id FROM custom_references
		WHERE tenant_id = ? AND collection = ? AND name = ? AND value = ? ORDER BY object_id LIMIT 1`,
		tenantID, collection, name, value).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shiftwire.NotFound("no %s with %s %q", collection, name, value)
	} else if err != nil {
		return nil, err
	}
	return db.Object(ctx, tenantID, collection, id)
}

// SetCustomReferences replaces the custom references of one object.
func (db *DB) SetCustomReferences(ctx context.Context, tenantID int64, collection string, id int64, refs map[string]string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := queryObject(ctx, tx, tenantID, collection, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM custom_references WHERE tenant_id = ? AND collection = ? AND object_id = ?`,
			tenantID, collection, id); err != nil {
			return err
		}
		for name, value := range refs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO custom_references (tenant_id, collection, object_id, name, value) VALUES (?, ?, ?, ?, ?)`,
				tenantID, collection, id, name, value); err != nil {
				return err
			}
		}
		return nil
	})
}

// CustomReferences returns, per object id, the custom references set on objects of
// collection.
func (db *DB) CustomReferences(ctx context.Context, tenantID int64, collection string, ids []int64) (map[int64]map[string]string, error) {
	out := map[int64]map[string]string{}
	for chunk := range chunks(ids, 500) {
		args := []any{tenantID, collection}
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := db.read.QueryContext(ctx, `SELECT object_id, name, value FROM custom_references
			WHERE tenant_id = ? AND collection = ? AND object_id IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var name, value string
			if err := rows.Scan(&id, &name, &value); err != nil {
				rows.Close()
				return nil, err
			}
			if out[id] == nil {
				out[id] = map[string]string{}
			}
			out[id][name] = value
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Changes returns up to limit change-log entries of tenantID after version after.
func (db *DB) Changes(ctx context.Context, tenantID int64, after shiftwire.ChangeVersion, limit int) ([]shiftwire.Change, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT version, collection, object_id, change_type, data, committed_at FROM changes
		WHERE tenant_id = ? AND version > ? ORDER BY version LIMIT ?`, tenantID, int64(after), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []shiftwire.Change
	for rows.Next() {
		c := shiftwire.Change{TenantID: tenantID}
		var typ string
		var data []byte
		var committed int64
		if err := rows.Scan(&c.Version, &c.Collection, &c.ObjectID, &typ, &data, &committed); err != nil {
			return nil, err
		}
		if data != nil {
			c.Data = data
		}
		c.Type = shiftwire.ChangeType(typ)
		c.CommittedAt = fromMillis(committed)
		out = append(out, c)
	}
	return out, rows.Err()
}

// querier is what reads need of a *sql.DB or *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// objectColumns are the columns of an object o, with its keys as a JSON array of
// [name, value] pairs.
const objectColumns = `o.collection, o.id, o.version, o.data, (SELECT json_group_array(json_array(k.name, k.value))
	FROM object_keys k INDEXED BY object_keys_by_object WHERE k.tenant_id = o.tenant_id AND k.collection = o.collection AND k.object_id = o.id)`

func scanObject(row scanner) (*shiftwire.Object, error) {
	var o shiftwire.Object
	var data, keys []byte
	if err := row.Scan(&o.Collection, &o.ID, &o.Version, &data, &keys); err != nil {
		return nil, err
	}
	o.Data = data
	var err error
	o.Keys, err = parseKeys(keys)
	return &o, err
}

func queryObject(ctx context.Context, q querier, tenantID int64, collection string, id int64) (*shiftwire.Object, error) {
	o, err := scanObject(q.QueryRowContext(ctx, `SELECT `+objectColumns+` FROM objects o WHERE o.tenant_id = ? AND o.collection = ? AND o.id = ?`,
		tenantID, collection, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shiftwire.NotFound("%s %d not found", collection, id)
	}
	return o, err
}

// scanObjects reads objects without their keys.
func scanObjects(rows *sql.Rows, err error) ([]*shiftwire.Object, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*shiftwire.Object
	for rows.Next() {
		var o shiftwire.Object
		var data []byte
		if err := rows.Scan(&o.Collection, &o.ID, &o.Version, &data); err != nil {
			return nil, err
		}
		o.Data = data
		out = append(out, &o)
	}
	return out, rows.Err()
}

// placeholders returns n comma-separated question marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// chunks splits ids into slices of at most n, to keep IN lists within SQLite's limits.
func chunks[T any](ids []T, n int) func(func([]T) bool) {
	return func(yield func([]T) bool) {
		for len(ids) > 0 {
			k := min(n, len(ids))
			if !yield(ids[:k]) {
				return
			}
			ids = ids[k:]
		}
	}
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

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
	w := &writeTx{tx: tx, tenantID: tenantID, committedAt: millis(db.now()), nextIDs: map[string]int64{}}
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
	// Fan-out: every change becomes a queued delivery for each enabled, unexpired webhook of
	// its collection that existed before it, in this same transaction, so a change is queued
	// exactly when it commits.
	res, err := tx.ExecContext(ctx, `INSERT INTO deliveries (webhook_id, tenant_id, version, object_id, next_attempt_at)
		SELECT w.id, c.tenant_id, c.version, c.object_id, c.committed_at
		FROM changes c JOIN webhooks w ON w.tenant_id = c.tenant_id AND w.collection = c.collection
		WHERE c.tenant_id = ? AND c.version > ? AND c.version <= ?
			AND w.status = 'Enabled' AND w.valid_until > c.committed_at AND w.created_after < c.version`,
		tenantID, start, w.last)
	if err != nil {
		return err
	}
	if err := txn.Commit(); err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		db.wake()
	}
	return nil
}

// writeTx is the WriteTx of one Write call.
type writeTx struct {
	tx          *sql.Tx
	tenantID    int64
	last        int64 // the last version taken
	committedAt int64
	nextIDs     map[string]int64

	putObject, putChange *sql.Stmt // prepared on first use: bulk loads put many objects
}

func (w *writeTx) close() {
	for _, s := range []*sql.Stmt{w.putObject, w.putChange} {
		if s != nil {
			s.Close()
		}
	}
}

func (w *writeTx) Object(ctx context.Context, collection string, id int64) (*shiftwire.Object, error) {
	return queryObject(ctx, w.tx, w.tenantID, collection, id)
}

func (w *writeTx) Missing(ctx context.Context, collection string, ids []int64) ([]int64, error) {
	found, err := objectsByID(ctx, w.tx, w.tenantID, collection, ids)
	if err != nil {
		return nil, err
	}
	have := make(map[int64]bool, len(found))
	for _, o := range found {
		have[o.ID] = true
	}
	var missing []int64
	for _, id := range ids {
		if !have[id] {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

func (w *writeTx) All(ctx context.Context, collection string) ([]*shiftwire.Object, error) {
	return listObjects(ctx, w.tx, w.tenantID, shiftwire.ObjectQuery{Collection: collection})
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

func (w *writeTx) Put(ctx context.Context, o *shiftwire.Object) error {
	var err error
	if w.putObject == nil {
		if w.putObject, err = w.tx.PrepareContext(ctx, `INSERT INTO objects (tenant_id, collection, id, version, person_id, date, kind, data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, collection, id) DO UPDATE SET version = excluded.version,
				person_id = excluded.person_id, date = excluded.date, kind = excluded.kind, data = excluded.data`); err != nil {
			return err
		}
	}
	w.last++
	o.Version = shiftwire.ChangeVersion(w.last)
	if _, err := w.putObject.ExecContext(ctx, w.tenantID, o.Collection, o.ID, w.last,
		nullInt(o.PersonID), nullString(o.Date), nullString(o.Kind), []byte(o.Data)); err != nil {
		return err
	}
	if next := w.nextIDs[o.Collection]; next != 0 && o.ID >= next {
		w.nextIDs[o.Collection] = o.ID + 1
	}
	return w.logChange(ctx, o.Collection, o.ID, shiftwire.InsertOrUpdate, o.Data)
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
	if _, err := w.tx.ExecContext(ctx, `DELETE FROM custom_references WHERE tenant_id = ? AND collection = ? AND object_id = ?`,
		w.tenantID, collection, id); err != nil {
		return 0, err
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
	_, err = w.putChange.ExecContext(ctx, w.tenantID, w.last, collection, id, string(typ), data, w.committedAt)
	return err
}

// Object returns one object of tenantID.
func (db *DB) Object(ctx context.Context, tenantID int64, collection string, id int64) (*shiftwire.Object, error) {
	return queryObject(ctx, db.read, tenantID, collection, id)
}

// ListObjects returns the objects of tenantID that q selects, in id order.
func (db *DB) ListObjects(ctx context.Context, tenantID int64, q shiftwire.ObjectQuery) ([]*shiftwire.Object, error) {
	return listObjects(ctx, db.read, tenantID, q)
}

// Objects returns the objects of collection with the given ids that exist.
func (db *DB) Objects(ctx context.Context, tenantID int64, collection string, ids []int64) ([]*shiftwire.Object, error) {
	return objectsByID(ctx, db.read, tenantID, collection, ids)
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

const objectColumns = `collection, id, version, coalesce(person_id, 0), coalesce(date, ''), coalesce(kind, ''), data`

func scanObject(row scanner) (*shiftwire.Object, error) {
	var o shiftwire.Object
	var data []byte
	if err := row.Scan(&o.Collection, &o.ID, &o.Version, &o.PersonID, &o.Date, &o.Kind, &data); err != nil {
		return nil, err
	}
	o.Data = data
	return &o, nil
}

func queryObject(ctx context.Context, q querier, tenantID int64, collection string, id int64) (*shiftwire.Object, error) {
	o, err := scanObject(q.QueryRowContext(ctx, `SELECT `+objectColumns+` FROM objects WHERE tenant_id = ? AND collection = ? AND id = ?`,
		tenantID, collection, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shiftwire.NotFound("%s %d not found", collection, id)
	}
	return o, err
}

func objectsByID(ctx context.Context, q querier, tenantID int64, collection string, ids []int64) ([]*shiftwire.Object, error) {
	var out []*shiftwire.Object
	for chunk := range chunks(ids, 500) {
		args := []any{tenantID, collection}
		for _, id := range chunk {
			args = append(args, id)
		}
		found, err := scanObjects(q.QueryContext(ctx, `SELECT `+objectColumns+` FROM objects
			WHERE tenant_id = ? AND collection = ? AND id IN (`+placeholders(len(chunk))+`)`, args...))
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	return out, nil
}

func listObjects(ctx context.Context, q querier, tenantID int64, oq shiftwire.ObjectQuery) ([]*shiftwire.Object, error) {
	var where strings.Builder
	args := []any{tenantID, oq.Collection, oq.AfterID}
	where.WriteString(`tenant_id = ? AND collection = ? AND id > ?`)
	if oq.DateFrom != "" {
		where.WriteString(` AND date >= ?`)
		args = append(args, oq.DateFrom)
	}
	if oq.DateTo != "" {
		where.WriteString(` AND date <= ?`)
		args = append(args, oq.DateTo)
	}
	if len(oq.PersonIDs) > 0 {
		where.WriteString(` AND person_id IN (` + placeholders(len(oq.PersonIDs)) + `)`)
		for _, id := range oq.PersonIDs {
			args = append(args, id)
		}
	}
	if len(oq.Kinds) > 0 {
		where.WriteString(` AND kind IN (` + placeholders(len(oq.Kinds)) + `)`)
		for _, k := range oq.Kinds {
			args = append(args, k)
		}
	}
	query := `SELECT ` + objectColumns + ` FROM objects WHERE ` + where.String() + ` ORDER BY id`
	if oq.Limit > 0 {
		query += fmt.Sprintf(` LIMIT %d`, oq.Limit)
	}
	return scanObjects(q.QueryContext(ctx, query, args...))
}

func scanObjects(rows *sql.Rows, err error) ([]*shiftwire.Object, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*shiftwire.Object
	for rows.Next() {
		o, err := scanObject(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
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

func nullInt(n int64) sql.NullInt64 { return sql.NullInt64{Int64: n, Valid: n != 0} }

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

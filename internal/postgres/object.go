package postgres

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shiftwire/shiftwire"
)

// Write runs fn in one write transaction on the objects of tenantID.
//
// The transaction locks the tenant's row before it takes its first version and keeps the
// lock until it commits, so the writes of one tenant, from every instance, take their
// versions one after the other: version order is commit order, and a reader never sees a
// version before a smaller one commits. Writes of different tenants do not wait for each
// other. Should PostgreSQL abort the transaction to break a deadlock, it runs again, fn
// included.
func (db *DB) Write(ctx context.Context, tenantID int64, fn func(shiftwire.WriteTx) error) error {
	var queued int
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		queued = 0
		start, err := lockTenant(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		// Read under the lock, so that commit times follow versions like the versions follow
		// commits. Kept to the microsecond, as the change log keeps them, so the fan-out
		// compares the times the log holds.
		w := &writeTx{tx: tx, tenantID: tenantID, last: start, committedAt: db.now().UTC().Truncate(time.Microsecond),
			nextIDs: map[string]int64{}, pendingByKey: map[objectKey]int{}}
		if err := fn(w); err != nil {
			return err
		}
		if err := w.flush(ctx); err != nil {
			return err
		}
		if w.last == start {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE tenants SET last_version = $1 WHERE id = $2`, w.last, tenantID); err != nil {
			return err
		}
		// Every change is queued for the webhooks that receive it in this same transaction, so
		// a change is queued exactly when it commits; the tenant's lock keeps webhooks from
		// being created or disabled meanwhile. The other instances are told at commit.
		queued, err = fanOut(ctx, tx, tenantID, w.log)
		return err
	})
	if err != nil {
		return err
	}
	if queued > 0 {
		db.wake()
	}
	return nil
}

// flushAt is how many puts a write keeps before sending them: bulk loads send their objects
// and change-log entries a batch at a time, one statement each, rather than a round trip per
// object.
const flushAt = 1000

// writeTx is the WriteTx of one Write call. Puts are kept in memory and sent in batches;
// reads answer from the kept puts first, so the transaction sees its own writes.
type writeTx struct {
	tx          pgx.Tx
	tenantID    int64
	last        int64 // the last version taken
	committedAt time.Time
	nextIDs     map[string]int64

	pending      []*shiftwire.Object // puts not sent yet, in order
	pendingByKey map[objectKey]int   // the index in pending of each object's last put
	changes      []pendingChange     // change-log entries not sent yet
	log          []*shiftwire.Change // every change of the transaction, for the fan-out
}

type objectKey struct {
	collection string
	id         int64
}

type pendingChange struct {
	version    int64
	collection string
	objectID   int64
	typ        shiftwire.ChangeType
	data       []byte
}

func (w *writeTx) Object(ctx context.Context, collection string, id int64) (*shiftwire.Object, error) {
	if i, ok := w.pendingByKey[objectKey{collection, id}]; ok {
		o := *w.pending[i]
		o.Keys = slices.Clone(o.Keys)
		return &o, nil
	}
	// The objects kept unsent are other objects: the row in the database is current.
	return queryObject(ctx, w.tx, w.tenantID, collection, id)
}

func (w *writeTx) Missing(ctx context.Context, collection string, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := w.tx.Query(ctx, `SELECT id FROM objects WHERE tenant_id = $1 AND collection = $2 AND id = ANY($3)`, w.tenantID, collection, ids)
	if err != nil {
		return nil, err
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	have := make(map[int64]bool, len(found))
	for _, id := range found {
		have[id] = true
	}
	var missing []int64
	for _, id := range ids {
		if _, ok := w.pendingByKey[objectKey{collection, id}]; !ok && !have[id] {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

func (w *writeTx) List(ctx context.Context, q shiftwire.ObjectQuery) ([]*shiftwire.Object, error) {
	if err := w.flush(ctx); err != nil {
		return nil, err
	}
	return listObjects(ctx, w.tx, w.tenantID, q)
}

func (w *writeTx) NextID(ctx context.Context, collection string) (int64, error) {
	next, ok := w.nextIDs[collection]
	if !ok {
		if err := w.flush(ctx); err != nil {
			return 0, err
		}
		// The tenant's lock keeps other writers from taking the same id.
		if err := w.tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) + 1 FROM objects WHERE tenant_id = $1 AND collection = $2`,
			w.tenantID, collection).Scan(&next); err != nil {
			return 0, err
		}
	}
	w.nextIDs[collection] = next + 1
	return next, nil
}

// Put keeps the object to be sent with the next batch, where its keys replace the ones it
// had.
func (w *writeTx) Put(ctx context.Context, o *shiftwire.Object) error {
	w.last++
	o.Version = shiftwire.ChangeVersion(w.last)
	kept := *o
	kept.Keys = slices.Clone(o.Keys)
	w.pendingByKey[objectKey{o.Collection, o.ID}] = len(w.pending)
	w.pending = append(w.pending, &kept)
	w.logChange(o.Collection, o.ID, shiftwire.InsertOrUpdate, o.Data)
	if next := w.nextIDs[o.Collection]; next != 0 && o.ID >= next {
		w.nextIDs[o.Collection] = o.ID + 1
	}
	if len(w.pending) >= flushAt {
		return w.flush(ctx)
	}
	return nil
}

func (w *writeTx) Delete(ctx context.Context, collection string, id int64) (shiftwire.ChangeVersion, error) {
	if err := w.flush(ctx); err != nil {
		return 0, err
	}
	tag, err := w.tx.Exec(ctx, `DELETE FROM objects WHERE tenant_id = $1 AND collection = $2 AND id = $3`, w.tenantID, collection, id)
	if err != nil {
		return 0, err
	}
	if tag.RowsAffected() == 0 {
		return 0, shiftwire.NotFound("%s %d not found", collection, id)
	}
	for _, table := range []string{"object_keys", "custom_references"} {
		if _, err := w.tx.Exec(ctx, `DELETE FROM `+table+` WHERE tenant_id = $1 AND collection = $2 AND object_id = $3`,
			w.tenantID, collection, id); err != nil {
			return 0, err
		}
	}
	w.last++
	w.logChange(collection, id, shiftwire.Delete, nil)
	return shiftwire.ChangeVersion(w.last), nil
}

// logChange keeps the change at version w.last for the change log and the fan-out.
func (w *writeTx) logChange(collection string, id int64, typ shiftwire.ChangeType, data []byte) {
	w.changes = append(w.changes, pendingChange{w.last, collection, id, typ, data})
	w.log = append(w.log, &shiftwire.Change{TenantID: w.tenantID, Version: shiftwire.ChangeVersion(w.last),
		Collection: collection, ObjectID: id, Type: typ, CommittedAt: w.committedAt})
}

// flush sends the kept puts, their keys and change-log entries, one statement for each.
func (w *writeTx) flush(ctx context.Context) error {
	if len(w.pending) > 0 {
		n := len(w.pendingByKey)
		var (
			collections = make([]string, 0, n)
			ids         = make([]int64, 0, n)
			versions    = make([]int64, 0, n)
			datas       = make([][]byte, 0, n)

			keyCollections, keyNames, keyValues []string
			keyIDs                              []int64
		)
		for i, o := range w.pending {
			// An object put twice is sent once, as its last put left it: one statement may not
			// update a row twice.
			if w.pendingByKey[objectKey{o.Collection, o.ID}] != i {
				continue
			}
			collections, ids, versions, datas = append(collections, o.Collection), append(ids, o.ID), append(versions, int64(o.Version)), append(datas, o.Data)
			for _, k := range o.Keys {
				keyCollections, keyIDs = append(keyCollections, o.Collection), append(keyIDs, o.ID)
				keyNames, keyValues = append(keyNames, k.Name), append(keyValues, k.Value)
			}
		}
		batch := &pgx.Batch{}
		batch.Queue(`INSERT INTO objects (tenant_id, collection, id, version, data)
			SELECT $1, u.collection, u.id, u.version, u.data
			FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bytea[]) AS u (collection, id, version, data)
			ON CONFLICT (tenant_id, collection, id) DO UPDATE SET version = excluded.version, data = excluded.data`,
			w.tenantID, collections, ids, versions, datas)
		batch.Queue(`DELETE FROM object_keys k USING unnest($2::text[], $3::bigint[]) AS u (collection, id)
			WHERE k.tenant_id = $1 AND k.collection = u.collection AND k.object_id = u.id`, w.tenantID, collections, ids)
		if len(keyIDs) > 0 {
			// A key given twice is kept once.
			batch.Queue(`INSERT INTO object_keys (tenant_id, collection, name, value, object_id)
				SELECT $1, u.collection, u.name, u.value, u.object_id
				FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[]) AS u (collection, name, value, object_id)
				ON CONFLICT DO NOTHING`, w.tenantID, keyCollections, keyNames, keyValues, keyIDs)
		}
		// One round trip for the objects and their keys.
		if err := w.tx.SendBatch(ctx, batch).Close(); err != nil {
			return err
		}
		w.pending = w.pending[:0]
		clear(w.pendingByKey)
	}
	if len(w.changes) > 0 {
		n := len(w.changes)
		var (
			versions    = make([]int64, 0, n)
			collections = make([]string, 0, n)
			ids         = make([]int64, 0, n)
			types       = make([]string, 0, n)
			datas       = make([][]byte, 0, n)
		)
		for _, c := range w.changes {
			versions, collections, ids = append(versions, c.version), append(collections, c.collection), append(ids, c.objectID)
			types, datas = append(types, string(c.typ)), append(datas, c.data)
		}
		if _, err := w.tx.Exec(ctx, `INSERT INTO changes (tenant_id, version, collection, object_id, change_type, data, committed_at)
			SELECT $1, u.version, u.collection, u.object_id, u.change_type, u.data, $2
			FROM unnest($3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::bytea[]) AS u (version, collection, object_id, change_type, data)`,
			w.tenantID, w.committedAt, versions, collections, ids, types, datas); err != nil {
			return err
		}
		w.changes = w.changes[:0]
	}
	return nil
}

// Object returns one object of tenantID.
func (db *DB) Object(ctx context.Context, tenantID int64, collection string, id int64) (*shiftwire.Object, error) {
	return queryObject(ctx, db.pool, tenantID, collection, id)
}

// ObjectByCustomReference returns the object whose custom reference name has value.
func (db *DB) ObjectByCustomReference(ctx context.Context, tenantID int64, collection, name, value string) (*shiftwire.Object, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT object_id FROM custom_references
		WHERE tenant_id = $1 AND collection = $2 AND name = $3 AND value = $4 ORDER BY object_id LIMIT 1`,
		tenantID, collection, name, value).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, shiftwire.NotFound("no %s with %s %q", collection, name, value)
	} else if err != nil {
		return nil, err
	}
	return db.Object(ctx, tenantID, collection, id)
}

// SetCustomReferences replaces the custom references of one object. It locks the object's
// row, so a write deleting the object at the same time either runs first, and there is
// nothing to set, or after, and deletes these references with it.
func (db *DB) SetCustomReferences(ctx context.Context, tenantID int64, collection string, id int64, refs map[string]string) error {
	names := make([]string, 0, len(refs))
	values := make([]string, 0, len(refs))
	for name, value := range refs {
		names, values = append(names, name), append(values, value)
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var found bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM objects WHERE tenant_id = $1 AND collection = $2 AND id = $3 FOR SHARE)`,
			tenantID, collection, id).Scan(&found); err != nil {
			return err
		}
		if !found {
			return shiftwire.NotFound("%s %d not found", collection, id)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM custom_references WHERE tenant_id = $1 AND collection = $2 AND object_id = $3`,
			tenantID, collection, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO custom_references (tenant_id, collection, object_id, name, value)
			SELECT $1, $2, $3, u.name, u.value FROM unnest($4::text[], $5::text[]) AS u (name, value)`,
			tenantID, collection, id, names, values)
		return err
	})
}

// CustomReferences returns, per object id, the custom references set on objects of
// collection.
func (db *DB) CustomReferences(ctx context.Context, tenantID int64, collection string, ids []int64) (map[int64]map[string]string, error) {
	out := map[int64]map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT object_id, name, value FROM custom_references
		WHERE tenant_id = $1 AND collection = $2 AND object_id = ANY($3)`, tenantID, collection, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name, value string
		if err := rows.Scan(&id, &name, &value); err != nil {
			return nil, err
		}
		if out[id] == nil {
			out[id] = map[string]string{}
		}
		out[id][name] = value
	}
	return out, rows.Err()
}

// Changes returns up to limit change-log entries of tenantID after version after. A write
// holds its tenant's lock until it commits, so no smaller version can appear later behind
// the ones returned.
func (db *DB) Changes(ctx context.Context, tenantID int64, after shiftwire.ChangeVersion, limit int) ([]shiftwire.Change, error) {
	rows, err := db.pool.Query(ctx, `SELECT version, collection, object_id, change_type, data, committed_at FROM changes
		WHERE tenant_id = $1 AND version > $2 ORDER BY version LIMIT $3`, tenantID, int64(after), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []shiftwire.Change
	for rows.Next() {
		c := shiftwire.Change{TenantID: tenantID}
		var version int64
		var typ string
		var data []byte
		if err := rows.Scan(&version, &c.Collection, &c.ObjectID, &typ, &data, &c.CommittedAt); err != nil {
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

// querier is what reads need of a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// objectColumns are the columns of an object o, with its keys as an array of [name, value]
// pairs.
const objectColumns = `o.collection, o.id, o.version, o.data,
	ARRAY(SELECT ARRAY[k.name, k.value] FROM object_keys k
		WHERE k.tenant_id = o.tenant_id AND k.collection = o.collection AND k.object_id = o.id ORDER BY k.name, k.value)`

func scanObject(row pgx.Row) (*shiftwire.Object, error) {
	var o shiftwire.Object
	var version int64
	var data []byte
	var keys [][]string
	if err := row.Scan(&o.Collection, &o.ID, &version, &data, &keys); err != nil {
		return nil, err
	}
	o.Version, o.Data = shiftwire.ChangeVersion(version), data
	for _, k := range keys {
		o.Keys = append(o.Keys, shiftwire.Key{Name: k[0], Value: k[1]})
	}
	return &o, nil
}

func queryObject(ctx context.Context, q querier, tenantID int64, collection string, id int64) (*shiftwire.Object, error) {
	o, err := scanObject(q.QueryRow(ctx, `SELECT `+objectColumns+` FROM objects o WHERE o.tenant_id = $1 AND o.collection = $2 AND o.id = $3`,
		tenantID, collection, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, shiftwire.NotFound("%s %d not found", collection, id)
	}
	return o, err
}

// scanObjects reads objects without their keys.
func scanObjects(rows pgx.Rows, err error) ([]*shiftwire.Object, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*shiftwire.Object, error) {
		var o shiftwire.Object
		var version int64
		var data []byte
		if err := row.Scan(&o.Collection, &o.ID, &version, &data); err != nil {
			return nil, err
		}
		o.Version, o.Data = shiftwire.ChangeVersion(version), data
		return &o, nil
	})
}

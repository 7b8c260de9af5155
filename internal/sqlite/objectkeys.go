package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/shiftwire/shiftwire"
)

// ListObjects returns the objects of tenantID that q selects, in id order.
func (db *DB) ListObjects(ctx context.Context, tenantID int64, q shiftwire.ObjectQuery) ([]*shiftwire.Object, error) {
	return listObjects(ctx, db.read, tenantID, q)
}

// ObjectByKey returns the object of collection with the lowest id that has the key name
// with value, in one statement that reads the key index and the object.
func (db *DB) ObjectByKey(ctx context.Context, tenantID int64, collection, name, value string) (*shiftwire.Object, error) {
	o, err := scanObject(db.read.QueryRowContext(ctx, `SELECT `+objectColumns+` FROM objects o
		WHERE o.tenant_id = ?1 AND o.collection = ?2 AND o.id = (SELECT object_id FROM object_keys NOT INDEXED
			WHERE tenant_id = ?1 AND collection = ?2 AND name = ?3 AND value = ?4 ORDER BY object_id LIMIT 1)`,
		tenantID, collection, name, value))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shiftwire.NotFound("no %s with %s %q", collection, name, value)
	}
	return o, err
}

// ObjectKeys returns, per object id, the lowest value of each key called one of names of
// the objects of collection with the given ids; an object without such keys is left out.
func (db *DB) ObjectKeys(ctx context.Context, tenantID int64, collection string, ids []int64, names []string) (map[int64]map[string]string, error) {
	out := map[int64]map[string]string{}
	if len(names) == 0 {
		return out, nil
	}
	for chunk := range chunks(ids, 500) {
		args := []any{tenantID, collection}
		for _, id := range chunk {
			args = append(args, id)
		}
		for _, n := range names {
			args = append(args, n)
		}
		rows, err := db.read.QueryContext(ctx, `SELECT object_id, name, min(value) FROM object_keys INDEXED BY object_keys_by_object
			WHERE tenant_id = ? AND collection = ? AND object_id IN (`+placeholders(len(chunk))+`) AND name IN (`+placeholders(len(names))+`)
			GROUP BY object_id, name`, args...)
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

// probeLimit bounds how many keys the plan of a filtered list counts per condition. A
// condition that fewer keys satisfy drives the read: its objects are read in id order and
// checked against the other conditions until the page is full. When every condition is
// satisfied by at least this many keys, the keys are instead read in object id order from the
// page's start, each object checked as it comes, until the page is full. Counting costs about
// as much as reading that many keys; 2,000 keeps both plans within a few milliseconds a page
// of a year of clockings (100,000), filtered by date range, person or both.
const probeLimit = 2000

// listObjects reads the objects oq selects, with their keys. The plan is chosen here rather
// than left to SQLite, which cannot tell how many objects a key's values select; INDEXED BY
// and NOT INDEXED (the primary key) hold SQLite to it.
func listObjects(ctx context.Context, q querier, tenantID int64, oq shiftwire.ObjectQuery) ([]*shiftwire.Object, error) {
	for _, m := range oq.Where {
		if m.In != nil && len(m.In) == 0 {
			return nil, nil // a value in an empty list: no object
		}
	}
	limit := ""
	if oq.Limit > 0 {
		limit = fmt.Sprintf(` LIMIT %d`, oq.Limit)
	}
	args := []any{tenantID, oq.Collection, oq.AfterID}
	var where strings.Builder
	where.WriteString(`o.tenant_id = ?1 AND o.collection = ?2`)
	// others writes a check, one seek into the object's own keys, of every condition but
	// the driving one.
	others := func(driver int, id string) {
		for i, m := range oq.Where {
			if i == driver {
				continue
			}
			where.WriteString(` AND EXISTS (SELECT 1 FROM object_keys j INDEXED BY object_keys_by_object
				WHERE j.tenant_id = ?1 AND j.collection = ?2 AND j.object_id = ` + id + ` AND j.name = ?`)
			args = append(args, m.Name)
			args = matchCondition(&where, "j", args, m)
			where.WriteString(`)`)
		}
	}
	driver := -1
	if len(oq.Where) > 0 {
		var err error
		if driver, err = chooseDriver(ctx, q, tenantID, oq); err != nil {
			return nil, err
		}
	}
	switch {
	case len(oq.Where) == 0:
		where.WriteString(` AND o.id > ?3`)
	case driver >= 0:
		// The few keys of the driving condition, from the primary key; their objects are read
		// in id order and checked as they come.
		where.WriteString(` AND o.id IN (SELECT k.object_id FROM object_keys k NOT INDEXED
			WHERE k.tenant_id = ?1 AND k.collection = ?2 AND k.object_id > ?3 AND k.name = ?`)
		args = append(args, oq.Where[driver].Name)
		args = matchCondition(&where, "k", args, oq.Where[driver])
		where.WriteString(`)`)
		others(driver, "o.id")
	default:
		// Every key of the first condition in object id order from the page's start, each
		// object checked as it comes, until the page is full.
		where.WriteString(` AND o.id IN (SELECT DISTINCT k.object_id FROM object_keys k INDEXED BY object_keys_by_object
			WHERE k.tenant_id = ?1 AND k.collection = ?2 AND k.object_id > ?3 AND k.name = ?`)
		args = append(args, oq.Where[0].Name)
		args = matchCondition(&where, "k", args, oq.Where[0])
		others(0, "k.object_id")
		where.WriteString(` ORDER BY k.object_id` + limit + `)`)
	}
	objs, err := scanObjects(q.QueryContext(ctx, `SELECT o.collection, o.id, o.version, o.data FROM objects o WHERE `+where.String()+` ORDER BY o.id`+limit, args...))
	if err != nil {
		return nil, err
	}
	return objs, readKeys(ctx, q, tenantID, oq.Collection, objs)
}

// readKeys sets the keys of objs, objects of collection in id order, in one statement for a
// page: those in the range of their ids when they are most of it, those of each id
// otherwise.
func readKeys(ctx context.Context, q querier, tenantID int64, collection string, objs []*shiftwire.Object) error {
	if len(objs) == 0 {
		return nil
	}
	byID := make(map[int64]*shiftwire.Object, len(objs))
	for _, o := range objs {
		byID[o.ID] = o
	}
	read := func(query string, args ...any) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var k shiftwire.Key
			if err := rows.Scan(&id, &k.Name, &k.Value); err != nil {
				return err
			}
			if o := byID[id]; o != nil {
				o.Keys = append(o.Keys, k)
			}
		}
		return rows.Err()
	}
	first, last := objs[0].ID, objs[len(objs)-1].ID
	if last-first < 2*int64(len(objs)) {
		return read(`SELECT object_id, name, value FROM object_keys INDEXED BY object_keys_by_object
			WHERE tenant_id = ? AND collection = ? AND object_id BETWEEN ? AND ? ORDER BY object_id, name, value`, tenantID, collection, first, last)
	}
	for chunk := range chunks(objs, 500) {
		args := []any{tenantID, collection}
		for _, o := range chunk {
			args = append(args, o.ID)
		}
		if err := read(`SELECT object_id, name, value FROM object_keys INDEXED BY object_keys_by_object
			WHERE tenant_id = ? AND collection = ? AND object_id IN (`+placeholders(len(chunk))+`) ORDER BY object_id, name, value`, args...); err != nil {
			return err
		}
	}
	return nil
}

// chooseDriver returns the index of the condition of oq that the fewest keys satisfy, or -1
// when each is satisfied by probeLimit keys or more. It counts them in one statement.
func chooseDriver(ctx context.Context, q querier, tenantID int64, oq shiftwire.ObjectQuery) (int, error) {
	var query strings.Builder
	args := []any{tenantID, oq.Collection}
	query.WriteString(`SELECT `)
	for i, m := range oq.Where {
		if i > 0 {
			query.WriteString(`, `)
		}
		query.WriteString(`(SELECT count(*) FROM (SELECT 1 FROM object_keys k NOT INDEXED WHERE k.tenant_id = ?1 AND k.collection = ?2 AND k.name = ?`)
		args = append(args, m.Name)
		args = matchCondition(&query, "k", args, m)
		fmt.Fprintf(&query, ` LIMIT %d))`, probeLimit)
	}
	counts := make([]int, len(oq.Where))
	dest := make([]any, len(counts))
	for i := range counts {
		dest[i] = &counts[i]
	}
	if err := q.QueryRowContext(ctx, query.String(), args...).Scan(dest...); err != nil {
		return 0, err
	}
	driver := -1
	for i, n := range counts {
		if n < probeLimit && (driver < 0 || n < counts[driver]) {
			driver = i
		}
	}
	return driver, nil
}

// matchCondition writes the condition of m on the value of the key called alias, and
// returns args with its values added.
func matchCondition(b *strings.Builder, alias string, args []any, m shiftwire.KeyMatch) []any {
	if m.In != nil {
		b.WriteString(` AND ` + alias + `.value IN (` + placeholders(len(m.In)) + `)`)
		for _, v := range m.In {
			args = append(args, v)
		}
		return args
	}
	if m.From != "" {
		b.WriteString(` AND ` + alias + `.value >= ?`)
		args = append(args, m.From)
	}
	if m.To != "" {
		b.WriteString(` AND ` + alias + `.value <= ?`)
		args = append(args, m.To)
	}
	return args
}

// parseKeys reads the keys of an object from the JSON array objectColumns makes, in name
// and value order.
func parseKeys(b []byte) ([]shiftwire.Key, error) {
	if len(b) == 0 || string(b) == "[]" {
		return nil, nil
	}
	var pairs [][2]string
	if err := json.Unmarshal(b, &pairs); err != nil {
		return nil, fmt.Errorf("sqlite: object keys: %w", err)
	}
	keys := make([]shiftwire.Key, len(pairs))
	for i, p := range pairs {
		keys[i] = shiftwire.Key{Name: p[0], Value: p[1]}
	}
	slices.SortFunc(keys, func(a, b shiftwire.Key) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	return keys, nil
}

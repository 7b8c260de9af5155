package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shiftwire/shiftwire"
)

// ListObjects returns the objects of tenantID that q selects, in id order.
func (db *DB) ListObjects(ctx context.Context, tenantID int64, q shiftwire.ObjectQuery) ([]*shiftwire.Object, error) {
	return listObjects(ctx, db.pool, tenantID, q)
}

// ObjectByKey returns the object of collection with the lowest id that has the key name
// with value, in one statement that reads the key index and the object.
func (db *DB) ObjectByKey(ctx context.Context, tenantID int64, collection, name, value string) (*shiftwire.Object, error) {
	o, err := scanObject(db.pool.QueryRow(ctx, `SELECT `+objectColumns+` FROM objects o
		WHERE o.tenant_id = $1 AND o.collection = $2 AND o.id = (SELECT object_id FROM object_keys
			WHERE tenant_id = $1 AND collection = $2 AND name = $3 AND value = $4 ORDER BY object_id LIMIT 1)`,
		tenantID, collection, name, value))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, shiftwire.NotFound("no %s with %s %q", collection, name, value)
	}
	return o, err
}

// ObjectKeys returns, per object id, the lowest value of each key called one of names of
// the objects of collection with the given ids; an object without such keys is left out.
func (db *DB) ObjectKeys(ctx context.Context, tenantID int64, collection string, ids []int64, names []string) (map[int64]map[string]string, error) {
	out := map[int64]map[string]string{}
	if len(names) == 0 || len(ids) == 0 {
		return out, nil
	}
	// One index read per id, whatever the planner knows of the table.
	rows, err := db.pool.Query(ctx, `SELECT u.id, k.name, k.value FROM unnest($3::bigint[]) AS u (id)
		CROSS JOIN LATERAL (SELECT name, min(value) AS value FROM object_keys
			WHERE tenant_id = $1 AND collection = $2 AND object_id = u.id AND name = ANY($4) GROUP BY name) k`,
		tenantID, collection, ids, names)
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

// probeLimit bounds how many keys the plan of a filtered list counts per condition; see the
// SQLite store, which plans its lists the same way.
const probeLimit = 2000

// listObjects reads the objects oq selects, with their keys. The plan is chosen here: the
// planner's statistics of object_keys mix every collection and key, and the one it picks for
// a page in id order often reads every key of a range to find a few.
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
	query := `SELECT ` + objectColumns + ` FROM objects o WHERE o.tenant_id = $1 AND o.collection = $2 AND o.id > $3 ORDER BY o.id` + limit
	if len(oq.Where) > 0 {
		driver, err := chooseDriver(ctx, q, tenantID, oq)
		if err != nil {
			return nil, err
		}
		scan := driver < 0
		if scan {
			driver = 0
		}
		// The page is read from ids, the objects of the driving condition's key k in id order,
		// checking the other conditions on each with one index read into the object's own
		// keys, and reading the object, only until the page is full. The statement is
		// prepared, so PostgreSQL plans it once for any values, often before it has
		// statistics of the keys; it is left no other plan than the one chosen here: a column
		// compared or sorted as an expression (k.object_id + 0, k.name || '') rules out the
		// index that would otherwise serve it, and OFFSET 0 keeps the planner from turning a
		// subquery into a join that reads every key of its condition first.
		var b strings.Builder
		d := oq.Where[driver]
		if scan {
			// Every key in object id order from the page's start, until the page is full.
			b.WriteString(`SELECT ` + objectColumns + ` FROM (SELECT DISTINCT k.object_id AS id FROM object_keys k
				WHERE k.tenant_id = $1 AND k.collection = $2 AND k.object_id > $3 AND k.name || '' = ` + arg(&args, d.Name))
			matchCondition(&b, "k", &args, d)
		} else {
			// The few keys of the condition, from the primary key, sorted.
			b.WriteString(`SELECT ` + objectColumns + ` FROM (SELECT DISTINCT k.object_id + 0 AS id FROM (` + conditionKeys(&args, d) + `) k
				WHERE k.object_id + 0 > $3`)
		}
		b.WriteString(` ORDER BY 1) ids
			CROSS JOIN LATERAL (SELECT o.tenant_id, o.collection, o.id, o.version, o.data FROM objects o
				WHERE o.tenant_id = $1 AND o.collection = $2 AND o.id = ids.id OFFSET 0) o
			WHERE true`)
		for i, m := range oq.Where {
			if i == driver {
				continue
			}
			b.WriteString(` AND EXISTS (SELECT FROM object_keys j
				WHERE j.tenant_id = $1 AND j.collection = $2 AND j.object_id = ids.id AND j.name || '' = ` + arg(&args, m.Name))
			matchCondition(&b, "j", &args, m)
			b.WriteString(` OFFSET 0)`)
		}
		b.WriteString(` ORDER BY ids.id` + limit)
		query = b.String()
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*shiftwire.Object, error) { return scanObject(row) })
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
		query.WriteString(`(SELECT count(*) FROM (` + conditionKeys(&args, m))
		fmt.Fprintf(&query, ` LIMIT %d) p)`, probeLimit)
	}
	counts := make([]int, len(oq.Where))
	dest := make([]any, len(counts))
	for i := range counts {
		dest[i] = &counts[i]
	}
	if err := q.QueryRow(ctx, query.String(), args...).Scan(dest...); err != nil {
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

// conditionKeys returns a query of the object ids of the keys that satisfy m, read from the
// primary key: one read of an equal value for each value of a list, one range otherwise.
func conditionKeys(args *[]any, m shiftwire.KeyMatch) string {
	if m.In != nil {
		return `SELECT k.object_id FROM unnest(` + arg(args, m.In) + `::text[]) AS v (value)
			CROSS JOIN LATERAL (SELECT object_id FROM object_keys
				WHERE tenant_id = $1 AND collection = $2 AND name = ` + arg(args, m.Name) + ` AND value = v.value OFFSET 0) k`
	}
	var b strings.Builder
	b.WriteString(`SELECT k.object_id FROM object_keys k WHERE k.tenant_id = $1 AND k.collection = $2 AND k.name = ` + arg(args, m.Name))
	matchCondition(&b, "k", args, m)
	return b.String()
}

// arg adds v to args and returns its placeholder.
func arg(args *[]any, v any) string {
	*args = append(*args, v)
	return fmt.Sprintf("$%d", len(*args))
}

// matchCondition writes the condition of m on the value of the key called alias.
func matchCondition(b *strings.Builder, alias string, args *[]any, m shiftwire.KeyMatch) {
	if m.In != nil {
		b.WriteString(` AND ` + alias + `.value = ANY(` + arg(args, m.In) + `)`)
		return
	}
	if m.From != "" {
		b.WriteString(` AND ` + alias + `.value >= ` + arg(args, m.From))
	}
	if m.To != "" {
		b.WriteString(` AND ` + alias + `.value <= ` + arg(args, m.To))
	}
}

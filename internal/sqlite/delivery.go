package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/shiftwire/shiftwire"
)

// ClaimDeliveries leases the due lane heads that q.Pick chooses. SQLite has one writer, so
// reading the candidates and leasing them in one transaction is enough to keep two claims
// from taking the same delivery. The changes are read only for the picked deliveries: a claim
// usually considers more candidates than it leases.
func (db *DB) ClaimDeliveries(ctx context.Context, q shiftwire.ClaimQuery) ([]*shiftwire.Delivery, error) {
	var picked []*shiftwire.Delivery
	err := db.inBookkeepingTx(ctx, func(tx *sql.Tx) error {
		now := millis(q.Now)
		args := []any{now, now}
		exclude := ""
		if len(q.Exclude) > 0 {
			exclude = ` AND d.webhook_id NOT IN (` + placeholders(len(q.Exclude)) + `)`
			for _, id := range q.Exclude {
				args = append(args, id)
			}
		}
		args = append(args, q.Limit)
		rows, err := tx.QueryContext(ctx, `SELECT d.id, d.webhook_id, d.tenant_id, d.version, d.object_id, d.attempt, d.next_attempt_at
			FROM deliveries d
			WHERE d.next_attempt_at <= ? AND d.lease_until <= ?`+exclude+`
				AND NOT EXISTS (SELECT 1 FROM deliveries e
					WHERE e.webhook_id = d.webhook_id AND e.object_id = d.object_id AND e.id < d.id)
			ORDER BY d.next_attempt_at, d.id LIMIT ?`, args...)
		if err != nil {
			return err
		}
		var candidates []*shiftwire.Delivery
		for rows.Next() {
			var d shiftwire.Delivery
			var next int64
			if err := rows.Scan(&d.ID, &d.WebhookID, &d.TenantID, &d.Version, &d.ObjectID, &d.Attempt, &next); err != nil {
				rows.Close()
				return err
			}
			d.NextAttemptAt = fromMillis(next)
			candidates = append(candidates, &d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		picked = candidates
		if q.Pick != nil {
			picked = q.Pick(candidates)
		}
		if len(picked) == 0 {
			return nil
		}
		lease := shiftwire.NewLease()
		byID := make(map[int64]*shiftwire.Delivery, len(picked))
		ids := make([]int64, len(picked))
		for i, d := range picked {
			ids[i] = d.ID
			byID[d.ID] = d
			d.Lease = lease
		}
		if err := execChunks(ctx, tx, `UPDATE deliveries SET lease_until = ?, next_attempt_at = ?, lease = ? WHERE id IN (%s)`,
			[]any{millis(q.LeaseUntil), millis(q.LeaseUntil), int64(lease)}, ids); err != nil {
			return err
		}
		if err := readChanges(ctx, tx, byID, ids); err != nil {
			return err
		}
		var orphans []int64
		picked, orphans = shiftwire.SplitOrphans(picked)
		return execChunks(ctx, tx, `DELETE FROM deliveries WHERE id IN (%s)`, nil, orphans)
	})
	if err != nil {
		return nil, err
	}
	return picked, nil
}

// readChanges fills in the change each delivery carries. A change fanned out to many
// webhooks is claimed for many of them at once: each distinct change is read once, and its
// deliveries share the data, which nothing changes in place.
func readChanges(ctx context.Context, tx *sql.Tx, byID map[int64]*shiftwire.Delivery, ids []int64) error {
	type change struct {
		tenant  int64
		version shiftwire.ChangeVersion
	}
	carriers := map[change][]*shiftwire.Delivery{}
	byTenant := map[int64][]int64{}
	for _, id := range ids {
		d := byID[id]
		k := change{d.TenantID, d.Version}
		if carriers[k] == nil {
			byTenant[d.TenantID] = append(byTenant[d.TenantID], int64(d.Version))
		}
		carriers[k] = append(carriers[k], d)
	}
	for tenant, versions := range byTenant {
		for chunk := range chunks(versions, 500) {
			args := make([]any, 0, 1+len(chunk))
			args = append(args, tenant)
			for _, v := range chunk {
				args = append(args, v)
			}
			rows, err := tx.QueryContext(ctx, `SELECT version, collection, change_type, data, committed_at
				FROM changes WHERE tenant_id = ? AND version IN (`+placeholders(len(chunk))+`)`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var version, committed int64
				var collection, typ string
				var data []byte
				if err := rows.Scan(&version, &collection, &typ, &data, &committed); err != nil {
					rows.Close()
					return err
				}
				for _, d := range carriers[change{tenant, shiftwire.ChangeVersion(version)}] {
					d.Collection, d.Type, d.CommittedAt = collection, shiftwire.ChangeType(typ), fromMillis(committed)
					if data != nil {
						d.Data = data
					}
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// CompleteDeliveries writes back a batch of attempt outcomes in one transaction. Work that
// repeats across the batch is done once: attempts are inserted many rows to a statement, and
// each webhook's health is read and written once, as shiftwire.TrackHealth decides.
// Only deliveries that still hold the completion's lease are rescheduled or removed.
func (db *DB) CompleteDeliveries(ctx context.Context, completions []shiftwire.Completion) error {
	if len(completions) == 0 {
		return nil
	}
	now := millis(db.now())
	return db.inBookkeepingTx(ctx, func(tx *sql.Tx) error {
		if err := insertAttempts(ctx, tx, completions); err != nil {
			return err
		}
		delivered := map[shiftwire.Lease][]int64{} // by the lease they were claimed under
		for _, c := range completions {
			a := &c.Attempt
			if c.Succeeded {
				delivered[c.Lease] = append(delivered[c.Lease], c.Deliveries...)
			} else if err := execChunks(ctx, tx, `UPDATE deliveries SET attempt = attempt + 1, next_attempt_at = ?, lease_until = 0
				WHERE lease = ? AND id IN (%s)`,
				[]any{millis(a.NextAttemptAt), int64(c.Lease)}, c.Deliveries); err != nil {
				return err
			}
			if !c.HoldWebhookUntil.IsZero() {
				until := millis(c.HoldWebhookUntil)
				if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET next_attempt_at = ?
					WHERE webhook_id = ? AND next_attempt_at < ? AND lease_until <= ?`, until, a.WebhookID, until, now); err != nil {
					return err
				}
			}
			if c.Disable != "" {
				if _, err := disableWebhook(ctx, tx, a.TenantID, a.WebhookID, c.Disable, a.AttemptedAt.Add(a.Duration)); err != nil {
					return err
				}
			}
		}
		if err := trackHealth(ctx, tx, completions); err != nil {
			return err
		}
		return deleteLeased(ctx, tx, delivered)
	})
}

// deleteLeased deletes the given deliveries that still hold the leases they are listed
// under. A batch's completions come from a few claims: one statement a lease takes half the
// parameters of a list of (id, lease) pairs, and no VALUES subquery.
func deleteLeased(ctx context.Context, tx *sql.Tx, byLease map[shiftwire.Lease][]int64) error {
	for lease, ids := range byLease {
		if err := execChunks(ctx, tx, `DELETE FROM deliveries WHERE lease = ? AND id IN (%s)`, []any{int64(lease)}, ids); err != nil {
			return err
		}
	}
	return nil
}

// attemptsPerInsert keeps a multi-row insert within SQLite's limit on parameters.
const attemptsPerInsert = 64

// insertAttempts records the attempts of completions, many rows to a statement. OR FAIL
// rather than the default ABORT: a failure still fails the statement, and the transaction
// with it, but SQLite then keeps no journal to undo the statement alone, which it writes
// page by page to a temporary file.
func insertAttempts(ctx context.Context, tx *sql.Tx, completions []shiftwire.Completion) error {
	const row = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	for len(completions) > 0 {
		n := min(len(completions), attemptsPerInsert)
		args := make([]any, 0, n*14)
		for _, c := range completions[:n] {
			a := &c.Attempt
			headers, err := json.Marshal(a.RequestHeaders)
			if err != nil {
				return err
			}
			args = append(args, a.ID, a.WebhookID, a.TenantID, millis(a.AttemptedAt), a.Duration.Milliseconds(),
				a.StatusCode, string(a.Outcome), a.Error, formatVersions(a.ChangeVersions), a.Attempt, nullMillis(a.NextAttemptAt),
				string(headers), nonNil(a.RequestBody), nonNil(a.ResponseBody))
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR FAIL INTO delivery_attempts (id, webhook_id, tenant_id, attempted_at, duration_ms,
			status_code, outcome, error, change_versions, attempt, next_attempt_at, request_headers, request_body, response_body)
			VALUES `+strings.TrimSuffix(strings.Repeat(row+",", n), ","), args...); err != nil {
			return err
		}
		completions = completions[n:]
	}
	return nil
}

// ReleaseLeases makes the given deliveries that still hold lease due again at once.
func (db *DB) ReleaseLeases(ctx context.Context, lease shiftwire.Lease, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return db.inBookkeepingTx(ctx, func(tx *sql.Tx) error {
		return execChunks(ctx, tx, `UPDATE deliveries SET lease_until = 0, next_attempt_at = ? WHERE lease = ? AND id IN (%s)`,
			[]any{millis(db.now()), int64(lease)}, ids)
	})
}

// RetryDeliveries makes the webhook's deliveries that wait for a later attempt due at now.
func (db *DB) RetryDeliveries(ctx context.Context, tenantID int64, webhookID string, now time.Time) (int, error) {
	// A destination back from an outage may have a large backlog held: it is made due a
	// chunk at a time, each in a transaction of its own, so the single writer is never held
	// long. The chunks walk the webhook's lanes in index order.
	at := millis(now)
	total := 0
	var lastObject, lastID int64 = math.MinInt64, math.MinInt64
	for {
		var ids []int64
		err := db.inBookkeepingTx(ctx, func(tx *sql.Tx) error {
			ids = ids[:0]
			rows, err := tx.QueryContext(ctx, `SELECT object_id, id FROM deliveries
				WHERE webhook_id = ? AND (object_id, id) > (?, ?) ORDER BY object_id, id LIMIT ?`, webhookID, lastObject, lastID, retryChunk)
			if err != nil {
				return err
			}
			for rows.Next() {
				if err := rows.Scan(&lastObject, &lastID); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, lastID)
			}
			rows.Close()
			if err := rows.Err(); err != nil || len(ids) == 0 {
				return err
			}
			for chunk := range chunks(ids, 500) {
				args := []any{at, tenantID, at, at}
				for _, id := range chunk {
					args = append(args, id)
				}
				res, err := tx.ExecContext(ctx, `UPDATE deliveries SET next_attempt_at = ?
					WHERE tenant_id = ? AND next_attempt_at > ? AND lease_until <= ? AND id IN (`+placeholders(len(chunk))+`)`, args...)
				if err != nil {
					return err
				}
				n, _ := res.RowsAffected()
				total += int(n)
			}
			return nil
		})
		if err != nil || len(ids) < retryChunk {
			return total, err
		}
	}
}

// retryChunk is how many of a webhook's deliveries RetryDeliveries looks at in one
// transaction.
var retryChunk = 5000

// ReleaseAllLeases makes every leased delivery and notice due again at once.
func (db *DB) ReleaseAllLeases(ctx context.Context) error {
	return db.inBookkeepingTx(ctx, func(tx *sql.Tx) error {
		for _, table := range []string{"deliveries", "lifecycle_notices"} {
			if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET lease_until = 0, next_attempt_at = ? WHERE lease_until > 0`, millis(db.now())); err != nil {
				return err
			}
		}
		return nil
	})
}

// Attempts returns attempts of one webhook, newest first.
func (db *DB) Attempts(ctx context.Context, tenantID int64, webhookID, beforeID string, limit int) ([]*shiftwire.Attempt, error) {
	if beforeID == "" {
		beforeID = "~" // sorts after every GUID
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, attempted_at, duration_ms, status_code, outcome, error, change_versions, attempt, next_attempt_at
		FROM delivery_attempts WHERE tenant_id = ? AND webhook_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
		tenantID, webhookID, beforeID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*shiftwire.Attempt
	for rows.Next() {
		a := &shiftwire.Attempt{WebhookID: webhookID, TenantID: tenantID}
		if err := scanAttempt(rows, a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Attempt returns one attempt with the request and response it recorded.
func (db *DB) Attempt(ctx context.Context, tenantID int64, webhookID, id string) (*shiftwire.Attempt, error) {
	a := &shiftwire.Attempt{WebhookID: webhookID, TenantID: tenantID}
	var headers string
	row := db.read.QueryRowContext(ctx, `SELECT id, attempted_at, duration_ms, status_code, outcome, error, change_versions, attempt, next_attempt_at,
			request_headers, request_body, response_body
		FROM delivery_attempts WHERE tenant_id = ? AND webhook_id = ? AND id = ?`, tenantID, webhookID, id)
	err := scanAttempt(row, a, &headers, &a.RequestBody, &a.ResponseBody)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shiftwire.NotFound("delivery not found")
	} else if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(headers), &a.RequestHeaders); err != nil {
		return nil, err
	}
	return a, nil
}

func scanAttempt(row scanner, a *shiftwire.Attempt, more ...any) error {
	var at, durationMS int64
	var outcome, versions string
	var next sql.NullInt64
	dest := append([]any{&a.ID, &at, &durationMS, &a.StatusCode, &outcome, &a.Error, &versions, &a.Attempt, &next}, more...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	a.AttemptedAt, a.Duration, a.Outcome = fromMillis(at), time.Duration(durationMS)*time.Millisecond, shiftwire.Outcome(outcome)
	a.NextAttemptAt = fromNullMillis(next)
	for _, s := range strings.Fields(versions) {
		v, err := shiftwire.ParseChangeVersion(s)
		if err != nil {
			return err
		}
		a.ChangeVersions = append(a.ChangeVersions, v)
	}
	return nil
}

// Prune deletes old attempts and the old changes no queued delivery and no active delta
// needs, in batches of at most limit rows each so the writer is never held long.
func (db *DB) Prune(ctx context.Context, before time.Time, limit int) (int, error) {
	total := 0
	// Attempt ids are time-ordered: the oldest are a range of the primary key.
	for _, query := range []struct {
		sql    string
		before any
	}{
		{`DELETE FROM delivery_attempts WHERE id IN (SELECT id FROM delivery_attempts WHERE id < ? ORDER BY id LIMIT ?)`, shiftwire.FirstIDAt(before)},
		// changes is a WITHOUT ROWID table: rows are named by their primary key.
		{`DELETE FROM changes WHERE (tenant_id, version) IN (SELECT c.tenant_id, c.version FROM changes c WHERE c.committed_at < ?
			AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.tenant_id = c.tenant_id AND d.version = c.version)
			AND NOT EXISTS (SELECT 1 FROM deltas t WHERE t.tenant_id = c.tenant_id AND t.collection = c.collection AND t.cursor < c.version) LIMIT ?)`,
			millis(before)},
	} {
		res, err := db.exec(ctx, bookkeeping, query.sql, query.before, limit)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += int(n)
	}
	return total, nil
}

// Backlog counts the delivery queue by state.
func (db *DB) Backlog(ctx context.Context, now time.Time) (shiftwire.BacklogCounts, error) {
	var b shiftwire.BacklogCounts
	err := db.read.QueryRowContext(ctx, `SELECT
			coalesce(sum(lease_until > ?1), 0),
			coalesce(sum(lease_until <= ?1 AND attempt = 0), 0),
			coalesce(sum(lease_until <= ?1 AND attempt > 0), 0)
		FROM deliveries`, millis(now)).Scan(&b.Sending, &b.Pending, &b.Retrying)
	return b, err
}

// execChunks runs query, whose %s takes an IN list, over ids in chunks, with args first.
func execChunks[T any](ctx context.Context, tx *sql.Tx, query string, args []any, ids []T) error {
	for chunk := range chunks(ids, 500) {
		all := append([]any{}, args...)
		for _, id := range chunk {
			all = append(all, id)
		}
		if _, err := tx.ExecContext(ctx, strings.Replace(query, "%s", placeholders(len(chunk)), 1), all...); err != nil {
			return err
		}
	}
	return nil
}

func formatVersions(vs []shiftwire.ChangeVersion) string {
	b := make([]byte, 0, len(vs)*21)
	for i, v := range vs {
		if i > 0 {
			b = append(b, ' ')
		}
		b = v.AppendTo(b)
	}
	return string(b)
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

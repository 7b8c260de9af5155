package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shiftwire/shiftwire"
)

// ClaimDeliveries leases the due lane heads that q.Pick chooses.
//
// The candidates are locked with FOR NO KEY UPDATE SKIP LOCKED: a delivery another instance
// is claiming at this moment is skipped, not waited for, and a delivery another instance has
// leased fails the lease condition when it is re-read after locking, so no delivery is ever
// leased twice. The lane-head condition reads every row of the lane, locked or not, so a
// lane whose head another instance holds stays blocked here. Pick runs inside the
// transaction and only the rows it picks are leased; the other candidates are unlocked at
// commit, untouched.
//
// Candidates are read without their change, and the changes of the picked ones come back
// from the statement that leases them: a claim usually considers many more candidates than
// it picks, and reading every candidate's change would double the cost of the claim.
func (db *DB) ClaimDeliveries(ctx context.Context, q shiftwire.ClaimQuery) ([]*shiftwire.Delivery, error) {
	var picked []*shiftwire.Delivery
	exclude := q.Exclude
	if exclude == nil {
		exclude = []string{}
	}
	// No retry: Pick reserves the engine's request slots, so it must run once. The claim
	// cannot deadlock anyway, since it waits for no lock.
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT d.id, d.webhook_id, d.tenant_id, d.version, d.object_id, d.attempt, d.next_attempt_at
			FROM deliveries d
			WHERE d.next_attempt_at <= $1 AND d.lease_until <= $1 AND NOT d.webhook_id = ANY($2)
				AND NOT EXISTS (SELECT 1 FROM deliveries e
					WHERE e.webhook_id = d.webhook_id AND e.object_id = d.object_id AND e.id < d.id)
			ORDER BY d.next_attempt_at, d.id LIMIT $3
			FOR NO KEY UPDATE SKIP LOCKED`, q.Now, exclude, q.Limit)
		if err != nil {
			return err
		}
		candidates, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*shiftwire.Delivery, error) {
			var d shiftwire.Delivery
			var version int64
			if err := row.Scan(&d.ID, &d.WebhookID, &d.TenantID, &version, &d.ObjectID, &d.Attempt, &d.NextAttemptAt); err != nil {
				return nil, err
			}
			d.Version, d.NextAttemptAt = shiftwire.ChangeVersion(version), d.NextAttemptAt.UTC()
			return &d, nil
		})
		if err != nil {
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
			byID[d.ID], ids[i] = d, d.ID
			d.Lease = lease
		}
		rows, err = tx.Query(ctx, `UPDATE deliveries d SET lease_until = $1, next_attempt_at = $1, lease = $3 FROM changes c
			WHERE d.id = ANY($2) AND c.tenant_id = d.tenant_id AND c.version = d.version
			RETURNING d.id, c.collection, c.change_type, c.data, c.committed_at`, q.LeaseUntil, ids, int64(lease))
		if err != nil {
			return err
		}
		leased := 0
		for rows.Next() {
			var id int64
			var collection, typ string
			var data []byte
			var committed time.Time
			if err := rows.Scan(&id, &collection, &typ, &data, &committed); err != nil {
				return err
			}
			d := byID[id]
			d.Collection, d.Type, d.CommittedAt = collection, shiftwire.ChangeType(typ), committed.UTC()
			if data != nil {
				d.Data = data
			}
			leased++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if leased != len(picked) {
			var orphans []int64
			picked, orphans = shiftwire.SplitOrphans(picked)
			if _, err := tx.Exec(ctx, `DELETE FROM deliveries WHERE id = ANY($1)`, orphans); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return picked, nil
}

// CompleteDeliveries writes back a batch of attempt outcomes in one transaction. The engine
// writes a batch again when the write failed, and a commit whose answer was lost may have
// succeeded: an attempt already recorded is kept as it is.
//
// It locks the tenants of the webhooks it disables, then every webhook of the batch, in id
// order, before touching their deliveries: the order of every transaction here, so that two
// instances completing attempts of one webhook take turns instead of deadlocking.
func (db *DB) CompleteDeliveries(ctx context.Context, completions []shiftwire.Completion) error {
	if len(completions) == 0 {
		return nil
	}
	var (
		hooks   []string
		tenants []int64
	)
	for _, c := range completions {
		hooks = append(hooks, c.Attempt.WebhookID)
		if c.Disable != "" {
			tenants = append(tenants, c.Attempt.TenantID)
		}
	}
	slices.Sort(hooks)
	hooks = slices.Compact(hooks)
	slices.Sort(tenants)
	tenants = slices.Compact(tenants)
	now := db.now()
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if len(tenants) > 0 {
			if _, err := lockTenants(ctx, tx, tenants...); err != nil {
				return err
			}
		}
		health, err := lockHealth(ctx, tx, hooks)
		if err != nil {
			return err
		}
		batch := &pgx.Batch{}
		attempts := make([]*shiftwire.Attempt, len(completions))
		var delivered, deliveredLeases, failed, failedLeases []int64
		var failedNext []time.Time
		for i, c := range completions {
			attempts[i] = &c.Attempt
			for _, id := range c.Deliveries {
				if c.Succeeded {
					delivered, deliveredLeases = append(delivered, id), append(deliveredLeases, int64(c.Lease))
				} else {
					failed, failedLeases, failedNext = append(failed, id), append(failedLeases, int64(c.Lease)), append(failedNext, c.Attempt.NextAttemptAt)
				}
			}
		}
		if err := queueAttempts(batch, attempts); err != nil {
			return err
		}
		if len(failed) > 0 {
			batch.Queue(`UPDATE deliveries d SET attempt = d.attempt + 1, next_attempt_at = x.next, lease_until = '-infinity'
				FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[]) AS x (id, lease, next)
				WHERE d.id = x.id AND d.lease = x.lease`, failed, failedLeases, failedNext)
		}
		for _, c := range completions {
			a := &c.Attempt
			if !c.HoldWebhookUntil.IsZero() {
				batch.Queue(`UPDATE deliveries SET next_attempt_at = $1
					WHERE webhook_id = $2 AND next_attempt_at < $1 AND lease_until <= $3`, c.HoldWebhookUntil, a.WebhookID, now)
			}
			if c.Disable != "" {
				// disableWebhook's two statements, queued: the tenant is locked above.
				batch.Queue(disableSQL, string(shiftwire.WebhookDisabled), string(c.Disable), a.AttemptedAt.Add(a.Duration),
					a.TenantID, a.WebhookID, string(shiftwire.WebhookEnabled), c.Disable.Notifies())
				batch.Queue(`DELETE FROM deliveries WHERE webhook_id = $1 AND EXISTS (
					SELECT 1 FROM webhooks WHERE id = $1 AND status = $2)`, a.WebhookID, string(shiftwire.WebhookDisabled))
			}
		}
		queueHealth(batch, health, completions)
		if len(delivered) > 0 {
			batch.Queue(`DELETE FROM deliveries d USING unnest($1::bigint[], $2::bigint[]) AS x(id, lease)
				WHERE d.id = x.id AND d.lease = x.lease`, delivered, deliveredLeases)
		}
		// One round trip for the whole batch.
		return tx.SendBatch(ctx, batch).Close()
	})
}

// ReleaseLeases makes the given deliveries that still hold lease due again at once.
func (db *DB) ReleaseLeases(ctx context.Context, lease shiftwire.Lease, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := db.pool.Exec(ctx, `UPDATE deliveries SET lease_until = '-infinity', next_attempt_at = $2
		WHERE id = ANY($1) AND lease = $3`, ids, db.now(), int64(lease))
	return err
}

// RetryDeliveries makes the webhook's deliveries that wait for a later attempt due at now.
func (db *DB) RetryDeliveries(ctx context.Context, tenantID int64, webhookID string, now time.Time) (int, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE deliveries SET next_attempt_at = $1
		WHERE tenant_id = $2 AND webhook_id = $3 AND next_attempt_at > $1 AND lease_until <= $1`, now, tenantID, webhookID)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

// ReleaseAllLeases makes every leased delivery and notice due again at once, which only a
// single instance starting up may do.
func (db *DB) ReleaseAllLeases(ctx context.Context) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		for _, table := range []string{"deliveries", "lifecycle_notices"} {
			if _, err := tx.Exec(ctx, `UPDATE `+table+` SET lease_until = '-infinity', next_attempt_at = $1
				WHERE lease_until > '-infinity'`, db.now()); err != nil {
				return err
			}
		}
		return nil
	})
}

// Attempts returns attempts of one webhook, newest first.
func (db *DB) Attempts(ctx context.Context, tenantID int64, webhookID, beforeID string, limit int) ([]*shiftwire.Attempt, error) {
	if beforeID == "" {
		beforeID = "~" // sorts after every GUID in the C collation of the id column
	}
	rows, err := db.pool.Query(ctx, `SELECT id, attempted_at, duration_ms, status_code, outcome, error, change_versions, attempt, next_attempt_at
		FROM delivery_attempts WHERE tenant_id = $1 AND webhook_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4`,
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
	var headers []byte
	row := db.pool.QueryRow(ctx, `SELECT id, attempted_at, duration_ms, status_code, outcome, error, change_versions, attempt, next_attempt_at,
			request_headers::text, request_body, response_body
		FROM delivery_attempts WHERE tenant_id = $1 AND webhook_id = $2 AND id = $3`, tenantID, webhookID, id)
	err := scanAttempt(row, a, &headers, &a.RequestBody, &a.ResponseBody)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, shiftwire.NotFound("delivery not found")
	} else if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(headers, &a.RequestHeaders); err != nil {
		return nil, err
	}
	return a, nil
}

func scanAttempt(row pgx.Row, a *shiftwire.Attempt, more ...any) error {
	var durationMS int64
	var outcome string
	var versions []int64
	var next *time.Time
	dest := append([]any{&a.ID, &a.AttemptedAt, &durationMS, &a.StatusCode, &outcome, &a.Error, &versions, &a.Attempt, &next}, more...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	a.AttemptedAt, a.Duration, a.Outcome = a.AttemptedAt.UTC(), time.Duration(durationMS)*time.Millisecond, shiftwire.Outcome(outcome)
	a.NextAttemptAt = fromNullTime(next)
	for _, v := range versions {
		a.ChangeVersions = append(a.ChangeVersions, shiftwire.ChangeVersion(v))
	}
	return nil
}

// Prune deletes old attempts and the old changes no queued delivery and no active delta
// needs, in batches of at most limit rows each so that no transaction is long. Every
// instance prunes; two doing it at once only delete less each.
func (db *DB) Prune(ctx context.Context, before time.Time, limit int) (int, error) {
	total := 0
	// Attempt ids are time-ordered: the oldest are a range of the primary key.
	for _, query := range []struct {
		sql    string
		before any
	}{
		{`DELETE FROM delivery_attempts WHERE id IN (SELECT id FROM delivery_attempts WHERE id < $1 ORDER BY id LIMIT $2)`, shiftwire.FirstIDAt(before)},
		{`DELETE FROM changes WHERE (tenant_id, version) IN (SELECT c.tenant_id, c.version FROM changes c WHERE c.committed_at < $1
			AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.tenant_id = c.tenant_id AND d.version = c.version)
			AND NOT EXISTS (SELECT 1 FROM deltas t WHERE t.tenant_id = c.tenant_id AND t.collection = c.collection AND t.cursor < c.version) LIMIT $2)`,
			before},
	} {
		tag, err := db.pool.Exec(ctx, query.sql, query.before, limit)
		if err != nil {
			return total, err
		}
		total += int(tag.RowsAffected())
	}
	return total, nil
}

// Backlog counts the delivery queue by state.
func (db *DB) Backlog(ctx context.Context, now time.Time) (shiftwire.BacklogCounts, error) {
	var b shiftwire.BacklogCounts
	err := db.pool.QueryRow(ctx, `SELECT
			count(*) FILTER (WHERE lease_until > $1),
			count(*) FILTER (WHERE lease_until <= $1 AND attempt = 0),
			count(*) FILTER (WHERE lease_until <= $1 AND attempt > 0)
		FROM deliveries`, now).Scan(&b.Sending, &b.Pending, &b.Retrying)
	return b, err
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// queueAttempts queues the insert of attempt records, all in one statement; an attempt
// already recorded, by a write-back that was retried after a lost commit answer, is kept as
// it is.
func queueAttempts(batch *pgx.Batch, attempts []*shiftwire.Attempt) error {
	n := len(attempts)
	var (
		ids, hooks, outcomes, errs, versions, headers = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		tenants, durations                            = make([]int64, n), make([]int64, n)
		statuses, numbers                             = make([]int32, n), make([]int32, n)
		at                                            = make([]time.Time, n)
		next                                          = make([]*time.Time, n)
		requests, responses                           = make([][]byte, n), make([][]byte, n)
	)
	for i, a := range attempts {
		h, err := json.Marshal(a.RequestHeaders)
		if err != nil {
			return err
		}
		vs := make([]byte, 0, 21*len(a.ChangeVersions))
		for j, v := range a.ChangeVersions {
			if j > 0 {
				vs = append(vs, ' ')
			}
			vs = strconv.AppendInt(vs, int64(v), 10)
		}
		ids[i], hooks[i], outcomes[i], errs[i], versions[i], headers[i] = a.ID, a.WebhookID, string(a.Outcome), a.Error, string(vs), string(h)
		tenants[i], durations[i], statuses[i], numbers[i] = a.TenantID, a.Duration.Milliseconds(), int32(a.StatusCode), int32(a.Attempt)
		at[i], next[i], requests[i], responses[i] = a.AttemptedAt, nullTime(a.NextAttemptAt), nonNil(a.RequestBody), nonNil(a.ResponseBody)
	}
	batch.Queue(`INSERT INTO delivery_attempts (id, webhook_id, tenant_id, attempted_at, duration_ms,
		status_code, outcome, error, change_versions, attempt, next_attempt_at, request_headers, request_body, response_body)
		SELECT u.id, u.webhook_id, u.tenant_id, u.attempted_at, u.duration_ms, u.status_code, u.outcome, u.error,
			coalesce(string_to_array(nullif(u.versions, ''), ' ')::bigint[], '{}'), u.attempt, u.next_attempt_at, u.headers::jsonb, u.request, u.response
		FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[], $5::bigint[], $6::int[], $7::text[], $8::text[],
			$9::text[], $10::int[], $11::timestamptz[], $12::text[], $13::bytea[], $14::bytea[])
			AS u (id, webhook_id, tenant_id, attempted_at, duration_ms, status_code, outcome, error, versions, attempt, next_attempt_at, headers, request, response)
		ON CONFLICT (id) DO NOTHING`,
		ids, hooks, tenants, at, durations, statuses, outcomes, errs, versions, numbers, next, headers, requests, responses)
	return nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shiftwire/shiftwire"
)

const webhookColumns = `id, tenant_id, client_id, destination_url, collection, external_references, batch_size,
	key_sealed, status, disabled_reason, disabled_at, created_at, valid_until, created_after, failing_since,
	lifecycle_url, previous_key_sealed, previous_key_until, failed_attempts, failing_notified`

// CreateWebhook inserts w, setting w.CreatedAfter to the tenant's last change version while
// holding the tenant's lock, the one every write holds from its first version to its commit:
// no write is half-way, so the webhook receives exactly the changes committed after it.
func (db *DB) CreateWebhook(ctx context.Context, w *shiftwire.Webhook) error {
	sealed, err := db.sealer.Seal(w.Key.Reveal())
	if err != nil {
		return fmt.Errorf("seal webhook key: %w", err)
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		last, err := lockTenant(ctx, tx, w.TenantID)
		if err != nil {
			return fmt.Errorf("read tenant version: %w", err)
		}
		w.CreatedAfter = shiftwire.ChangeVersion(last)
		_, err = tx.Exec(ctx, `INSERT INTO webhooks (`+webhookColumns+`) 
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, NULL, NULL, 0, false)`,
			w.ID, w.TenantID, w.ClientID, w.DestinationURL, w.Collection, w.ExternalReferences.String(), w.BatchSize,
			sealed, string(w.Status), string(w.DisabledReason), nullTime(w.DisabledAt),
			w.CreatedAt, w.ValidUntil, last, nullTime(w.FailingSince), w.LifecycleURL)
		if isUniqueViolation(err) {
			return shiftwire.Errorf(shiftwire.EConflict, "webhook %s exists already", w.ID)
		}
		return err
	})
}

// Webhook returns the webhook of tenantID with id.
func (db *DB) Webhook(ctx context.Context, tenantID int64, id string) (*shiftwire.Webhook, error) {
	row := db.pool.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	w, err := db.scanWebhook(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, shiftwire.NotFound("webhook not found")
	}
	return w, err
}

// ListWebhooks returns up to limit webhooks of tenantID whose id sorts after afterID.
func (db *DB) ListWebhooks(ctx context.Context, tenantID int64, afterID string, limit int) ([]*shiftwire.Webhook, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks
		WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`, tenantID, afterID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*shiftwire.Webhook
	for rows.Next() {
		w, err := db.scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// DisableWebhook disables an enabled webhook and empties its delivery queue, so nothing more
// is sent; it reports false when the webhook was disabled already.
func (db *DB) DisableWebhook(ctx context.Context, tenantID int64, id string, reason shiftwire.DisabledReason, at time.Time) (bool, error) {
	var disabled bool
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := lockTenants(ctx, tx, tenantID); err != nil {
			return err
		}
		var err error
		disabled, err = disableWebhook(ctx, tx, tenantID, id, reason, at)
		return err
	})
	return disabled, err
}

// disableWebhook disables an enabled webhook and deletes its queued deliveries. The caller
// holds the tenant's lock: a write that is queueing deliveries for the webhook has then
// either committed, and its deliveries are deleted here, or not begun, and it will see the
// webhook disabled.
func disableWebhook(ctx context.Context, tx pgx.Tx, tenantID int64, id string, reason shiftwire.DisabledReason, at time.Time) (bool, error) {
	tag, err := tx.Exec(ctx, disableSQL, string(shiftwire.WebhookDisabled), string(reason), at, tenantID, id,
		string(shiftwire.WebhookEnabled), reason.Notifies())
	if err != nil || tag.RowsAffected() == 0 {
		return false, err
	}
	_, err = tx.Exec(ctx, `DELETE FROM deliveries WHERE webhook_id = $1`, id)
	return true, err
}

// disableSQL disables an enabled webhook and, when $7 is true and the webhook has a
// lifecycle URL, queues its Disabled notice: one statement, whose rows affected tell
// whether the webhook was enabled.
const disableSQL = `WITH disabled AS (
		UPDATE webhooks SET status = $1, disabled_reason = $2, disabled_at = $3
		WHERE tenant_id = $4 AND id = $5 AND status = $6
		RETURNING tenant_id, id, lifecycle_url),
	noticed AS (
		INSERT INTO lifecycle_notices (tenant_id, webhook_id, event, reason, occurred_at, next_attempt_at)
		SELECT tenant_id, id, '` + string(shiftwire.WebhookDisabledNotice) + `', $2, $3, $3 FROM disabled
		WHERE $7 AND lifecycle_url <> '')
	SELECT 1 FROM disabled`

// RotateWebhookKey makes key the webhook's signing key, the current one signing beside it
// until previousUntil.
func (db *DB) RotateWebhookKey(ctx context.Context, tenantID int64, id string, key shiftwire.Secret, previousUntil time.Time) error {
	sealed, err := db.sealer.Seal(key.Reveal())
	if err != nil {
		return fmt.Errorf("seal webhook key: %w", err)
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status FROM webhooks WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE`, tenantID, id).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return shiftwire.NotFound("webhook not found")
		} else if err != nil {
			return err
		}
		if status != string(shiftwire.WebhookEnabled) {
			return shiftwire.Errorf(shiftwire.EConflict, "the webhook is disabled")
		}
		_, err = tx.Exec(ctx, `UPDATE webhooks SET previous_key_sealed = key_sealed, previous_key_until = $1, key_sealed = $2
			WHERE tenant_id = $3 AND id = $4`, previousUntil, sealed, tenantID, id)
		return err
	})
}

// WebhookByID returns a webhook of any tenant.
func (db *DB) WebhookByID(ctx context.Context, id string) (*shiftwire.Webhook, error) {
	w, err := db.scanWebhook(db.pool.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, shiftwire.NotFound("webhook not found")
	}
	return w, err
}

// ExpireWebhooks disables every enabled webhook whose validUntil has come. Every instance
// runs it; the conditional update counts each webhook once.
func (db *DB) ExpireWebhooks(ctx context.Context, now time.Time) (int, error) {
	type key struct {
		tenant int64
		id     string
	}
	rows, err := db.pool.Query(ctx, `SELECT tenant_id, id FROM webhooks WHERE status = $1 AND valid_until <= $2`,
		string(shiftwire.WebhookEnabled), now)
	if err != nil {
		return 0, err
	}
	due, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (key, error) {
		var k key
		return k, row.Scan(&k.tenant, &k.id)
	})
	if err != nil || len(due) == 0 {
		return 0, err
	}
	// Webhooks are locked in id order, after their tenants, as every transaction here does.
	slices.SortFunc(due, func(a, b key) int { return strings.Compare(a.id, b.id) })
	var tenants []int64
	for _, k := range due {
		tenants = append(tenants, k.tenant)
	}
	slices.Sort(tenants)
	tenants = slices.Compact(tenants)
	n := 0
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		n = 0
		if _, err := lockTenants(ctx, tx, tenants...); err != nil {
			return err
		}
		for _, k := range due {
			ok, err := disableWebhook(ctx, tx, k.tenant, k.id, shiftwire.DisabledExpired, now)
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		return nil
	})
	return n, err
}

// WebhookCounts counts the webhooks of all tenants by status.
func (db *DB) WebhookCounts(ctx context.Context) (map[shiftwire.WebhookStatus]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT status, count(*) FROM webhooks GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[shiftwire.WebhookStatus]int64{shiftwire.WebhookEnabled: 0, shiftwire.WebhookDisabled: 0}
	for rows.Next() {
		var status string
		var n int64
		if err := rows.Scan(&status, &n); err != nil {
			return nil, err
		}
		out[shiftwire.WebhookStatus(status)] = n
	}
	return out, rows.Err()
}

func (db *DB) scanWebhook(row pgx.Row) (*shiftwire.Webhook, error) {
	var w shiftwire.Webhook
	var refs, status, reason string
	var sealed []byte
	var previousSealed []byte
	var disabledAt, failingSince, previousUntil *time.Time
	var after int64
	err := row.Scan(&w.ID, &w.TenantID, &w.ClientID, &w.DestinationURL, &w.Collection, &refs, &w.BatchSize,
		&sealed, &status, &reason, &disabledAt, &w.CreatedAt, &w.ValidUntil, &after, &failingSince,
		&w.LifecycleURL, &previousSealed, &previousUntil, &w.FailedAttempts, &w.FailingNotified)
	if err != nil {
		return nil, err
	}
	if w.ExternalReferences, err = shiftwire.ParseExternalReferences(refs); err != nil {
		return nil, fmt.Errorf("webhook %s: stored external references: %w", w.ID, err)
	}
	key, err := db.sealer.Open(sealed)
	if err != nil {
		return nil, fmt.Errorf("webhook %s: open signing key: %w", w.ID, err)
	}
	w.Key = key
	if previousSealed != nil {
		if w.PreviousKey, err = db.sealer.Open(previousSealed); err != nil {
			return nil, fmt.Errorf("webhook %s: open previous signing key: %w", w.ID, err)
		}
		w.PreviousKeyUntil = fromNullTime(previousUntil)
	}
	w.Status = shiftwire.WebhookStatus(status)
	w.DisabledReason = shiftwire.DisabledReason(reason)
	w.DisabledAt = fromNullTime(disabledAt)
	w.CreatedAt = w.CreatedAt.UTC()
	w.ValidUntil = w.ValidUntil.UTC()
	w.CreatedAfter = shiftwire.ChangeVersion(after)
	w.FailingSince = fromNullTime(failingSince)
	return &w, nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/shiftwire/shiftwire"
)

const webhookColumns = `id, tenant_id, client_id, destination_url, collection, external_references, batch_size,
	key_sealed, status, disabled_reason, disabled_at, created_at, valid_until, created_after, failing_since,
	lifecycle_url, previous_key_sealed, previous_key_until, failed_attempts, failing_notified`

// CreateWebhook inserts w, setting w.CreatedAfter to the tenant's last change version in the
// same transaction, so the webhook receives exactly the changes committed after it.
func (db *DB) CreateWebhook(ctx context.Context, w *shiftwire.Webhook) error {
	sealed, err := db.sealer.Seal(w.Key.Reveal())
	if err != nil {
		return fmt.Errorf("seal webhook key: %w", err)
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var last int64
		if err := tx.QueryRowContext(ctx, `SELECT last_version FROM tenants WHERE id = ?`, w.TenantID).Scan(&last); err != nil {
			return fmt.Errorf("read tenant version: %w", err)
		}
		w.CreatedAfter = shiftwire.ChangeVersion(last)
		_, err := tx.ExecContext(ctx, `INSERT INTO webhooks (`+webhookColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 0, 0)`,
			w.ID, w.TenantID, w.ClientID, w.DestinationURL, w.Collection, w.ExternalReferences.String(), w.BatchSize,
			sealed, string(w.Status), string(w.DisabledReason), nullMillis(w.DisabledAt),
			millis(w.CreatedAt), millis(w.ValidUntil), last, nullMillis(w.FailingSince), w.LifecycleURL)
		if isUniqueViolation(err) {
			return shiftwire.Errorf(shiftwire.EConflict, "webhook %s exists already", w.ID)
		}
		return err
	})
}

// Webhook returns the webhook of tenantID with id.
func (db *DB) Webhook(ctx context.Context, tenantID int64, id string) (*shiftwire.Webhook, error) {
	row := db.read.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE tenant_id = ? AND id = ?`, tenantID, id)
	w, err := db.scanWebhook(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shiftwire.NotFound("webhook not found")
	}
	return w, err
}

// ListWebhooks returns up to limit webhooks of tenantID whose id sorts after afterID.
func (db *DB) ListWebhooks(ctx context.Context, tenantID int64, afterID string, limit int) ([]*shiftwire.Webhook, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks
		WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?`, tenantID, afterID, limit)
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
	err := db.inTx(ctx, func(tx *sql.Tx) (err error) {
		disabled, err = disableWebhook(ctx, tx, tenantID, id, reason, at)
		return err
	})
	return disabled, err
}

// disableWebhook disables an enabled webhook, deletes its queued deliveries and queues its
// Disabled notice when the reason and its lifecycle URL call for one.
func disableWebhook(ctx context.Context, tx *sql.Tx, tenantID int64, id string, reason shiftwire.DisabledReason, at time.Time) (bool, error) {
	var lifecycleURL string
	err := tx.QueryRowContext(ctx, `UPDATE webhooks SET status = ?, disabled_reason = ?, disabled_at = ?
		WHERE tenant_id = ? AND id = ? AND status = ? RETURNING lifecycle_url`,
		string(shiftwire.WebhookDisabled), string(reason), millis(at), tenantID, id, string(shiftwire.WebhookEnabled)).Scan(&lifecycleURL)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if _, err = tx.ExecContext(ctx, `DELETE FROM deliveries WHERE webhook_id = ?`, id); err != nil {
		return false, err
	}
	if reason.Notifies() && lifecycleURL != "" {
		n := shiftwire.Notice{TenantID: tenantID, WebhookID: id, Event: shiftwire.WebhookDisabledNotice, Reason: reason, OccurredAt: at}
		if err := queueNotices(ctx, tx, []shiftwire.Notice{n}); err != nil {
			return false, err
		}
	}
	return true, nil
}

// RotateWebhookKey makes key the webhook's signing key, the current one signing beside it
// until previousUntil.
func (db *DB) RotateWebhookKey(ctx context.Context, tenantID int64, id string, key shiftwire.Secret, previousUntil time.Time) error {
	sealed, err := db.sealer.Seal(key.Reveal())
	if err != nil {
		return fmt.Errorf("seal webhook key: %w", err)
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM webhooks WHERE tenant_id = ? AND id = ?`, tenantID, id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return shiftwire.NotFound("webhook not found")
		} else if err != nil {
			return err
		}
		if status != string(shiftwire.WebhookEnabled) {
			return shiftwire.Errorf(shiftwire.EConflict, "the webhook is disabled")
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhooks SET previous_key_sealed = key_sealed, previous_key_until = ?, key_sealed = ?
			WHERE tenant_id = ? AND id = ?`, millis(previousUntil), sealed, tenantID, id)
		return err
	})
}

// WebhookByID returns a webhook of any tenant.
func (db *DB) WebhookByID(ctx context.Context, id string) (*shiftwire.Webhook, error) {
	w, err := db.scanWebhook(db.read.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shiftwire.NotFound("webhook not found")
	}
	return w, err
}

// ExpireWebhooks disables every enabled webhook whose validUntil has come.
func (db *DB) ExpireWebhooks(ctx context.Context, now time.Time) (int, error) {
	type key struct {
		tenant int64
		id     string
	}
	var due []key
	rows, err := db.read.QueryContext(ctx, `SELECT tenant_id, id FROM webhooks WHERE status = ? AND valid_until <= ?`,
		string(shiftwire.WebhookEnabled), millis(now))
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.tenant, &k.id); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(due) == 0 {
		return 0, err
	}
	n := 0
	err = db.inBookkeepingTx(ctx, func(tx *sql.Tx) error {
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
	rows, err := db.read.QueryContext(ctx, `SELECT status, count(*) FROM webhooks GROUP BY status`)
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

type scanner interface{ Scan(dest ...any) error }

func (db *DB) scanWebhook(row scanner) (*shiftwire.Webhook, error) {
	var w shiftwire.Webhook
	var refs, status, reason string
	var sealed []byte
	var previousSealed []byte
	var disabledAt, failingSince, previousUntil sql.NullInt64
	var created, validUntil, after int64
	err := row.Scan(&w.ID, &w.TenantID, &w.ClientID, &w.DestinationURL, &w.Collection, &refs, &w.BatchSize,
		&sealed, &status, &reason, &disabledAt, &created, &validUntil, &after, &failingSince,
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
		w.PreviousKeyUntil = fromNullMillis(previousUntil)
	}
	w.Status = shiftwire.WebhookStatus(status)
	w.DisabledReason = shiftwire.DisabledReason(reason)
	w.DisabledAt = fromNullMillis(disabledAt)
	w.CreatedAt = fromMillis(created)
	w.ValidUntil = fromMillis(validUntil)
	w.CreatedAfter = shiftwire.ChangeVersion(after)
	w.FailingSince = fromNullMillis(failingSince)
	return &w, nil
}

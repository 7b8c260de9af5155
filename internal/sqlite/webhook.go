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
	key_sealed, status, disabled_reason, disabled_at, created_at, valid_until, created_after`

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
		_, err := tx.ExecContext(ctx, `INSERT INTO webhooks (`+webhookColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			w.ID, w.TenantID, w.ClientID, w.DestinationURL, w.Collection, w.ExternalReferences.String(), w.BatchSize,
			sealed, string(w.Status), string(w.DisabledReason), nullMillis(w.DisabledAt),
			millis(w.CreatedAt), millis(w.ValidUntil), last)
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

// DisableWebhook disables an enabled webhook; it reports false when it was disabled already.
func (db *DB) DisableWebhook(ctx context.Context, tenantID int64, id string, reason shiftwire.DisabledReason, at time.Time) (bool, error) {
	res, err := db.write.ExecContext(ctx, `UPDATE webhooks SET status = ?, disabled_reason = ?, disabled_at = ?
		WHERE tenant_id = ? AND id = ? AND status = ?`,
		string(shiftwire.WebhookDisabled), string(reason), millis(at), tenantID, id, string(shiftwire.WebhookEnabled))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

type scanner interface{ Scan(dest ...any) error }

func (db *DB) scanWebhook(row scanner) (*shiftwire.Webhook, error) {
	var w shiftwire.Webhook
	var refs, status, reason string
	var sealed []byte
	var disabledAt sql.NullInt64
	var created, validUntil, after int64
	err := row.Scan(&w.ID, &w.TenantID, &w.ClientID, &w.DestinationURL, &w.Collection, &refs, &w.BatchSize,
		&sealed, &status, &reason, &disabledAt, &created, &validUntil, &after)
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
	w.Status = shiftwire.WebhookStatus(status)
	w.DisabledReason = shiftwire.DisabledReason(reason)
	w.DisabledAt = fromNullMillis(disabledAt)
	w.CreatedAt = fromMillis(created)
	w.ValidUntil = fromMillis(validUntil)
	w.CreatedAfter = shiftwire.ChangeVersion(after)
	return &w, nil
}

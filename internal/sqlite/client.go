package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/shiftwire/shiftwire"
)

// CreateClient inserts c and sets its CreatedAt.
func (db *DB) CreateClient(ctx context.Context, c *shiftwire.Client) error {
	c.CreatedAt = db.now().UTC().Truncate(1e6)
	_, err := db.exec(ctx, synced, `INSERT INTO clients (tenant_id, id, secret_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)`,
		c.TenantID, c.ID, c.SecretHash, strings.Join(c.Scopes, " "), millis(c.CreatedAt))
	if isUniqueViolation(err) {
		return shiftwire.Errorf(shiftwire.EConflict, "client %q exists already", c.ID)
	}
	return err
}

// Client returns the client of tenantID with the public id clientID.
func (db *DB) Client(ctx context.Context, tenantID int64, clientID string) (*shiftwire.Client, error) {
	c := shiftwire.Client{TenantID: tenantID, ID: clientID}
	var scopes string
	var created int64
	err := db.read.QueryRowContext(ctx, `SELECT secret_hash, scopes, created_at FROM clients WHERE tenant_id = ? AND id = ?`,
		tenantID, clientID).Scan(&c.SecretHash, &scopes, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shiftwire.NotFound("client not found")
	} else if err != nil {
		return nil, err
	}
	c.Scopes = strings.Fields(scopes)
	c.CreatedAt = fromMillis(created)
	return &c, nil
}

// ListClients returns the clients of tenantID in id order, without their secret hashes.
func (db *DB) ListClients(ctx context.Context, tenantID int64) ([]*shiftwire.Client, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, scopes, created_at FROM clients WHERE tenant_id = ? ORDER BY id`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*shiftwire.Client
	for rows.Next() {
		c := shiftwire.Client{TenantID: tenantID}
		var scopes string
		var created int64
		if err := rows.Scan(&c.ID, &scopes, &created); err != nil {
			return nil, err
		}
		c.Scopes = strings.Fields(scopes)
		c.CreatedAt = fromMillis(created)
		out = append(out, &c)
	}
	return out, rows.Err()
}

// DeleteClient deletes the client of tenantID with clientID and its deltas.
func (db *DB) DeleteClient(ctx context.Context, tenantID int64, clientID string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM clients WHERE tenant_id = ? AND id = ?`, tenantID, clientID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return shiftwire.NotFound("client not found")
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM deltas WHERE tenant_id = ? AND client_id = ?`, tenantID, clientID)
		return err
	})
}

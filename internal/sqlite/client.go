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

package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/shiftwire/shiftwire"
)

// CreateClient inserts c and sets its CreatedAt.
func (db *DB) CreateClient(ctx context.Context, c *shiftwire.Client) error {
	c.CreatedAt = db.now().UTC().Truncate(1e6)
	scopes := c.Scopes
	if scopes == nil {
		scopes = []string{} // a nil slice would be NULL
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO clients (tenant_id, id, secret_hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5)`,
		c.TenantID, c.ID, c.SecretHash, scopes, c.CreatedAt)
	if isUniqueViolation(err) {
		return shiftwire.Errorf(shiftwire.EConflict, "client %q exists already", c.ID)
	}
	return err
}

// Client returns the client of tenantID with the public id clientID.
func (db *DB) Client(ctx context.Context, tenantID int64, clientID string) (*shiftwire.Client, error) {
	c := shiftwire.Client{TenantID: tenantID, ID: clientID}
	err := db.pool.QueryRow(ctx, `SELECT secret_hash, scopes, created_at FROM clients WHERE tenant_id = $1 AND id = $2`,
		tenantID, clientID).Scan(&c.SecretHash, &c.Scopes, &c.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, shiftwire.NotFound("client not found")
	} else if err != nil {
		return nil, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return &c, nil
}

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

// ListClients returns the clients of tenantID in id order, without their secret hashes.
func (db *DB) ListClients(ctx context.Context, tenantID int64) ([]*shiftwire.Client, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, scopes, created_at FROM clients WHERE tenant_id = $1 ORDER BY id`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*shiftwire.Client
	for rows.Next() {
		c := shiftwire.Client{TenantID: tenantID}
		if err := rows.Scan(&c.ID, &c.Scopes, &c.CreatedAt); err != nil {
			return nil, err
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, &c)
	}
	return out, rows.Err()
}

// DeleteClient deletes the client of tenantID with clientID and its deltas.
func (db *DB) DeleteClient(ctx context.Context, tenantID int64, clientID string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM clients WHERE tenant_id = $1 AND id = $2`, tenantID, clientID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return shiftwire.NotFound("client not found")
		}
		_, err = tx.Exec(ctx, `DELETE FROM deltas WHERE tenant_id = $1 AND client_id = $2`, tenantID, clientID)
		return err
	})
}

package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/shiftwire/shiftwire"
)

// CreateTenant inserts t and sets its ID and CreatedAt.
func (db *DB) CreateTenant(ctx context.Context, t *shiftwire.Tenant) error {
	t.CreatedAt = db.now().UTC().Truncate(1e6)
	err := db.pool.QueryRow(ctx, `INSERT INTO tenants (name, time_zone, created_at) VALUES ($1, $2, $3) RETURNING id`,
		t.Name, t.TimeZone, t.CreatedAt).Scan(&t.ID)
	if isUniqueViolation(err) {
		return shiftwire.Errorf(shiftwire.EConflict, "tenant %q exists already", t.Name)
	}
	return err
}

// TenantByName returns the tenant called name.
func (db *DB) TenantByName(ctx context.Context, name string) (*shiftwire.Tenant, error) {
	return db.tenant(ctx, `name = $1`, name)
}

// Tenant returns the tenant with id.
func (db *DB) Tenant(ctx context.Context, id int64) (*shiftwire.Tenant, error) {
	return db.tenant(ctx, `id = $1`, id)
}

func (db *DB) tenant(ctx context.Context, where string, arg any) (*shiftwire.Tenant, error) {
	var t shiftwire.Tenant
	err := db.pool.QueryRow(ctx, `SELECT id, name, time_zone, created_at FROM tenants WHERE `+where, arg).
		Scan(&t.ID, &t.Name, &t.TimeZone, &t.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, shiftwire.NotFound("tenant not found")
	} else if err != nil {
		return nil, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return &t, nil
}

// lockTenants locks the rows of the given tenants, in id order, until the transaction
// ends, and returns the last change version of each. Every transaction that takes versions,
// reads them for a new webhook, or disables a webhook takes this lock first: that orders
// them as SQLite's single writer does, and taking it first in every transaction keeps them
// from deadlocking. FOR NO KEY UPDATE leaves inserts that only reference the tenant free.
func lockTenants(ctx context.Context, tx pgx.Tx, ids ...int64) (map[int64]int64, error) {
	rows, err := tx.Query(ctx, `SELECT id, last_version FROM tenants WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]int64, len(ids))
	for rows.Next() {
		var id, last int64
		if err := rows.Scan(&id, &last); err != nil {
			return nil, err
		}
		out[id] = last
	}
	return out, rows.Err()
}

// lockTenant locks one tenant's row and returns its last change version; ENotFound when
// there is no such tenant.
func lockTenant(ctx context.Context, tx pgx.Tx, id int64) (int64, error) {
	var last int64
	err := tx.QueryRow(ctx, `SELECT last_version FROM tenants WHERE id = $1 FOR NO KEY UPDATE`, id).Scan(&last)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, shiftwire.NotFound("tenant not found")
	}
	return last, err
}

// ListTenants returns every tenant, in name order.
func (db *DB) ListTenants(ctx context.Context) ([]*shiftwire.Tenant, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, name, time_zone, created_at FROM tenants ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*shiftwire.Tenant
	for rows.Next() {
		var t shiftwire.Tenant
		if err := rows.Scan(&t.ID, &t.Name, &t.TimeZone, &t.CreatedAt); err != nil {
			return nil, err
		}
		t.CreatedAt = t.CreatedAt.UTC()
		out = append(out, &t)
	}
	return out, rows.Err()
}

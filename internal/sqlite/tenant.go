package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/shiftwire/shiftwire"
)

// CreateTenant inserts t and sets its ID and CreatedAt.
func (db *DB) CreateTenant(ctx context.Context, t *shiftwire.Tenant) error {
	t.CreatedAt = db.now().UTC().Truncate(1e6)
	res, err := db.exec(ctx, synced, `INSERT INTO tenants (name, time_zone, created_at) VALUES (?, ?, ?)`,
		t.Name, t.TimeZone, millis(t.CreatedAt))
	if isUniqueViolation(err) {
		return shiftwire.Errorf(shiftwire.EConflict, "tenant %q exists already", t.Name)
	} else if err != nil {
		return err
	}
	t.ID, err = res.LastInsertId()
	return err
}

// TenantByName returns the tenant called name.
func (db *DB) TenantByName(ctx context.Context, name string) (*shiftwire.Tenant, error) {
	return db.tenant(ctx, `name = ?`, name)
}

// Tenant returns the tenant with id.
func (db *DB) Tenant(ctx context.Context, id int64) (*shiftwire.Tenant, error) {
	return db.tenant(ctx, `id = ?`, id)
}

func (db *DB) tenant(ctx context.Context, where string, arg any) (*shiftwire.Tenant, error) {
	var t shiftwire.Tenant
	var created int64
	err := db.read.QueryRowContext(ctx, `SELECT id, name, time_zone, created_at FROM tenants WHERE `+where, arg).
		Scan(&t.ID, &t.Name, &t.TimeZone, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shiftwire.NotFound("tenant not found")
	} else if err != nil {
		return nil, err
	}
	t.CreatedAt = fromMillis(created)
	return &t, nil
}

// ListTenants returns every tenant, in name order.
func (db *DB) ListTenants(ctx context.Context) ([]*shiftwire.Tenant, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, name, time_zone, created_at FROM tenants ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*shiftwire.Tenant
	for rows.Next() {
		var t shiftwire.Tenant
		var created int64
		if err := rows.Scan(&t.ID, &t.Name, &t.TimeZone, &created); err != nil {
			return nil, err
		}
		t.CreatedAt = fromMillis(created)
		out = append(out, &t)
	}
	return out, rows.Err()
}

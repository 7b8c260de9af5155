package postgres_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shiftwire/shiftwire/internal/postgres"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// TestMigrateObjectKeys writes objects and changes as they were kept at migration 4 and
// opens the database, which applies migration 5: the filter columns become keys, the
// predefined external references are added, and absenceCode becomes code.
func TestMigrateObjectKeys(t *testing.T) {
	ctx := context.Background()
	url := testSchema(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, query, args...); err != nil {
			t.Fatalf("%.60s: %v", query, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)`)
	files, err := filepath.Glob("migrations/000[1-4]_*.sql")
	if err != nil || len(files) != 4 {
		t.Fatalf("migrations 1 to 4: %v, %v", files, err)
	}
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		exec(string(b))
		exec(`INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())`, i+1)
	}
	var tenant int64
	if err := conn.QueryRow(ctx, `INSERT INTO tenants (name, time_zone, last_version, created_at) VALUES ('acme', 'Europe/Brussels', 3, now())
		RETURNING id`).Scan(&tenant); err != nil {
		t.Fatal(err)
	}
	for _, o := range storetest.OldObjects {
		exec(`INSERT INTO objects (tenant_id, collection, id, version, person_id, date, kind, data)
			VALUES ($1, $2, $3, 1, nullif($4, 0), nullif($5, ''), nullif($6, ''), $7)`,
			tenant, o.Collection, o.ID, o.PersonID, o.Date, o.Kind, []byte(o.Data))
	}
	for _, c := range storetest.OldChanges {
		var data []byte
		if c.Data != "" {
			data = []byte(c.Data)
		}
		exec(`INSERT INTO changes (tenant_id, version, collection, object_id, change_type, data, committed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			tenant, c.Version, c.Collection, c.ObjectID, string(c.Type), data, time.Now())
	}

	db, err := postgres.Open(ctx, url, testBox(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.CheckMigratedKeys(t, db, tenant)
	var columns int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'objects' AND column_name IN ('person_id', 'date', 'kind')`).Scan(&columns); err != nil || columns != 0 {
		t.Errorf("objects keeps %d of its filter columns (%v)", columns, err)
	}
}

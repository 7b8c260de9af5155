package sqlite_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/masterkey"
	"github.com/shiftwire/shiftwire/internal/sqlite"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// TestMigrateObjectKeys writes objects and changes as they were kept at migration 4 and
// opens the database, which applies migration 5: the filter columns become keys, the
// predefined external references are added, and absenceCode becomes code.
func TestMigrateObjectKeys(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shiftwire.db")
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := raw.ExecContext(ctx, query, args...); err != nil {
			t.Fatalf("%.60s: %v", query, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`)
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
		exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`, i+1)
	}
	exec(`INSERT INTO tenants (id, name, time_zone, last_version, created_at) VALUES (1, 'acme', 'Europe/Brussels', 3, 0)`)
	null := func(v any, ok bool) any {
		if !ok {
			return nil
		}
		return v
	}
	for _, o := range storetest.OldObjects {
		exec(`INSERT INTO objects (tenant_id, collection, id, version, person_id, date, kind, data) VALUES (1, ?, ?, 1, ?, ?, ?, ?)`,
			o.Collection, o.ID, null(o.PersonID, o.PersonID != 0), null(o.Date, o.Date != ""), null(o.Kind, o.Kind != ""), []byte(o.Data))
	}
	for _, c := range storetest.OldChanges {
		exec(`INSERT INTO changes (tenant_id, version, collection, object_id, change_type, data, committed_at) VALUES (1, ?, ?, ?, ?, ?, 0)`,
			c.Version, c.Collection, c.ObjectID, string(c.Type), null([]byte(c.Data), c.Data != ""))
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	key := make(shiftwire.Secret, masterkey.Size)
	rand.Read(key)
	box, err := masterkey.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, path, box)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.CheckMigratedKeys(t, db, 1)
	var columns int
	if err := db.ReadDB().QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('objects') WHERE name IN ('person_id', 'date', 'kind')`).Scan(&columns); err != nil || columns != 0 {
		t.Errorf("objects keeps %d of its filter columns (%v)", columns, err)
	}
}

package sqlite_test

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"testing"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/masterkey"
	"github.com/shiftwire/shiftwire/internal/sqlite"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// openTestDB opens a fresh database file in the test's temporary directory.
func openTestDB(t *testing.T) *sqlite.DB {
	t.Helper()
	key := make(shiftwire.Secret, 32)
	rand.Read(key)
	box, err := masterkey.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "shiftwire.db"), box)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) shiftwire.Store { return openTestDB(t) })
}

// TestConformanceShared runs the several-instances suite with the same store for every
// instance: SQLite serves one instance per database.
func TestConformanceShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T, n int) []shiftwire.Store {
		db := openTestDB(t)
		out := make([]shiftwire.Store, n)
		for i := range out {
			out[i] = db
		}
		return out
	})
}

func TestMigrateTwice(t *testing.T) {
	db := openTestDB(t)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

package storetest

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"testing"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/masterkey"
	"github.com/shiftwire/shiftwire/internal/sqlite"
)

// OpenSQLite opens a fresh SQLite store in the test's temporary directory, sealing secrets
// with a random master key, and closes it when the test ends. Tests of other packages use it
// to work on the real store.
func OpenSQLite(t testing.TB) *sqlite.DB {
	t.Helper()
	key := make(shiftwire.Secret, masterkey.Size)
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

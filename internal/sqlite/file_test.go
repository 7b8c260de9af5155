package sqlite_test

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/masterkey"
	"github.com/shiftwire/shiftwire/internal/sqlite"
)

// openFile opens the store on path with a random master key and closes it when the test
// ends.
func openFile(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	key := make(shiftwire.Secret, masterkey.Size)
	rand.Read(key)
	box, err := masterkey.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), path, box)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// wantOwnerOnly fails the test unless the database file, its write-ahead log and its
// shared-memory index all exist and are readable and writable by their owner alone.
func wantOwnerOnly(t *testing.T, path string) {
	t.Helper()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("after writes: %v", err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %#o, want 0600", filepath.Base(p), perm)
		}
	}
}

// TestFilesOwnerOnly: the database holds sealed signing keys, client secret hashes and every
// tenant's data, so its files are created readable by their owner only, whatever the umask,
// like the master key file beside them.
func TestFilesOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shiftwire.db")
	db := openFile(t, path)
	if err := db.CreateTenant(context.Background(), &shiftwire.Tenant{Name: "acme", TimeZone: shiftwire.DefaultTimeZone}); err != nil {
		t.Fatal(err)
	}
	wantOwnerOnly(t, path) // the files exist while the store is open, in WAL mode
}

// TestFilesTightened: a database file created before, readable by everybody, and the
// write-ahead files a crash left beside it are made owner-only when the store opens them.
func TestFilesTightened(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shiftwire.db")
	db := openFile(t, path)
	if err := db.CreateTenant(context.Background(), &shiftwire.Tenant{Name: "acme", TimeZone: shiftwire.DefaultTimeZone}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644) // an empty log is a valid one
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db = openFile(t, path)
	if _, err := db.TenantByName(context.Background(), "acme"); err != nil {
		t.Fatalf("the reopened database lost its tenant: %v", err)
	}
	if err := db.CreateTenant(context.Background(), &shiftwire.Tenant{Name: "globex", TimeZone: shiftwire.DefaultTimeZone}); err != nil {
		t.Fatal(err)
	}
	wantOwnerOnly(t, path)
}

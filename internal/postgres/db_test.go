package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/masterkey"
	"github.com/shiftwire/shiftwire/internal/postgres"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// testSchema creates a schema of its own for one test, dropped when the test ends, and
// returns TEST_DATABASE_URL with its search_path set to it: tests run in parallel on one
// database without seeing each other's rows.
func testSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		t.Skip("TEST_DATABASE_URL is not set; set it to a PostgreSQL URL to run the PostgreSQL store tests")
	}
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal("TEST_DATABASE_URL is not a URL")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// testBox returns a sealer under a new random master key.
func testBox(t *testing.T) shiftwire.Sealer {
	t.Helper()
	key := make(shiftwire.Secret, masterkey.Size)
	rand.Read(key)
	box, err := masterkey.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// openTestDB opens n stores, each with a pool of its own, like n instances, on one fresh
// schema.
func openTestDB(t *testing.T, n int) []*postgres.DB {
	t.Helper()
	url := testSchema(t)
	box := testBox(t)
	var dbs []*postgres.DB
	for range n {
		db, err := postgres.Open(context.Background(), url, box)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	return dbs
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) shiftwire.Store { return openTestDB(t, 1)[0] })
}

func TestConformanceShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T, n int) []shiftwire.Store {
		var out []shiftwire.Store
		for _, db := range openTestDB(t, n) {
			out = append(out, db)
		}
		return out
	})
}

func TestMigrateTwice(t *testing.T) {
	db := openTestDB(t, 1)[0]
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestMigrateTogether starts several instances on an empty schema at once: the advisory
// lock lets one migrate and the others find the work done.
func TestMigrateTogether(t *testing.T) {
	url := testSchema(t)
	box := testBox(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			db, err := postgres.Open(context.Background(), url, box)
			if err == nil {
				err = db.Ping(context.Background())
				db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
	}
}

// TestOpenHidesPassword checks that a URL that does not parse is not repeated in the error,
// since it may hold the database password.
func TestOpenHidesPassword(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://shiftwire:hunter2@localhost:notaport/db", testBox(t))
	if err == nil {
		t.Fatal("Open accepted a URL with a bad port")
	}
	if msg := err.Error(); strings.Contains(msg, "hunter2") {
		t.Fatalf("error %q shows the password", msg)
	}
}

package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/masterkey"
	"github.com/shiftwire/shiftwire/internal/postgres"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// testSchema creates a schema of its own for one test, dropped when the test ends, and
// returns TEST_DATABASE_URL with its search_path set to it: tests run in parallel on one
// database without seeing each other's rows.
func testSchema(t testing.TB) string {
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
func testBox(t testing.TB) shiftwire.Sealer {
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
func openTestDB(t testing.TB, n int) []*postgres.DB {
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

// TestListenReconnects cuts the connection that listens for wake-ups and checks that the
// store listens again: a commit through another store still wakes it.
func TestListenReconnects(t *testing.T) {
	base := testSchema(t)
	ctx := context.Background()
	u, _ := url.Parse(base)
	q := u.Query()
	app := "shiftwire_" + q.Get("search_path")
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	box := testBox(t)
	var dbs []*postgres.DB
	for range 2 {
		db, err := postgres.Open(ctx, u.String(), box)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	a, b := dbs[0], dbs[1]
	tn := &shiftwire.Tenant{Name: "acme", TimeZone: shiftwire.DefaultTimeZone}
	if err := a.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	w := &shiftwire.Webhook{ID: shiftwire.NewID(time.Now()), TenantID: tn.ID, ClientID: "c", DestinationURL: "https://example.com/",
		Collection: shiftwire.People, Key: shiftwire.Secret("0123456789abcdef0123456789abcdef"), Status: shiftwire.WebhookEnabled,
		CreatedAt: time.Now(), ValidUntil: time.Now().Add(time.Hour)}
	if err := a.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}

	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	listeners := func() []int {
		rows, _ := admin.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'`, app)
		pids, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			t.Fatal(err)
		}
		return pids
	}
	waitListeners := func(n int, not []int) []int {
		deadline := time.Now().Add(10 * time.Second)
		for {
			pids := listeners()
			fresh := 0
			for _, p := range pids {
				if !slices.Contains(not, p) {
					fresh++
				}
			}
			if fresh >= n {
				return pids
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d new listening connections after 10 s, want %d", fresh, n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	a.Notify() // start listening
	b.Notify()
	old := waitListeners(2, nil)
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid`, old); err != nil {
		t.Fatal(err)
	}
	waitListeners(2, old)

	time.Sleep(50 * time.Millisecond) // let the wake-up of reconnecting pass
	drain := func() {
		for {
			select {
			case <-b.Notify():
			default:
				return
			}
		}
	}
	drain()
	err = a.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
		return tx.Put(ctx, &shiftwire.Object{Collection: shiftwire.People, ID: 1, Data: []byte(`{"id":1}`)})
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.Notify():
	case <-time.After(5 * time.Second):
		t.Fatal("no wake-up after the listening connection was cut and came back")
	}
}

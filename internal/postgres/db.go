package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/migration"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the Store on a PostgreSQL database, which any number of instances may share.
type DB struct {
	pool   *pgxpool.Pool
	sealer shiftwire.Sealer
	now    func() time.Time
	notify chan struct{}

	// The LISTEN connection starts with the first call to Notify, so that the admin
	// commands, which never wait for wake-ups, do not open it.
	startListening sync.Once
	listenCtx      context.Context
	stopListening  context.CancelFunc
	listening      sync.WaitGroup
	mu             sync.Mutex
	closed         bool

	statements *atomic.Int64 // statements run on the pool, see Statements
}

var _ shiftwire.Store = (*DB)(nil)

// Open connects to the database at url (postgres://...) and applies any migration not
// applied yet. Signing keys are sealed with sealer before they are written.
//
// The URL may carry pgx's pool settings (pool_max_conns=...) and any run-time parameter,
// such as search_path to keep Shiftwire's tables in a schema of their own.
func Open(ctx context.Context, url string, sealer shiftwire.Sealer) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parser's message may quote the URL, password included.
		return nil, errors.New("postgres: cannot parse the database URL")
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgx's default (the number of CPUs, at least 4) is too few for an API server and an
		// engine claiming, completing and pruning at once.
		cfg.MaxConns = int32(max(16, 4*runtime.GOMAXPROCS(0)))
	}
	statements := new(atomic.Int64)
	cfg.ConnConfig.Tracer = statementCounter{statements}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	listenCtx, stop := context.WithCancel(context.Background())
	db := &DB{pool: pool, sealer: sealer, now: time.Now, notify: make(chan struct{}, 1),
		listenCtx: listenCtx, stopListening: stop, statements: statements}
	if err := db.Migrate(ctx); err != nil {
		stop()
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Notify receives a value after commits that queued deliveries, on this instance or any
// other sharing the database. The first call starts listening for the other instances'
// commits.
func (db *DB) Notify() <-chan struct{} {
	db.startListening.Do(func() {
		db.mu.Lock()
		defer db.mu.Unlock()
		if !db.closed {
			db.listening.Add(1)
			go db.listen(db.listenCtx)
		}
	})
	return db.notify
}

// wake signals Notify without blocking: one pending signal is enough to wake the engine.
func (db *DB) wake() {
	select {
	case db.notify <- struct{}{}:
	default:
	}
}

// SetClock makes the store read time from now, for tests that move time by hand.
func (db *DB) SetClock(now func() time.Time) { db.now = now }

// Close stops listening and closes the pool.
func (db *DB) Close() error {
	db.mu.Lock()
	db.closed = true
	db.mu.Unlock()
	db.stopListening()
	db.listening.Wait()
	db.pool.Close()
	return nil
}

// migrationLock is the first key of the advisory lock that migrations run under; the second
// is the schema's, so that deployments in different schemas of one database do not wait for
// each other.
const migrationLock = 0x5368_6966 // "Shif"

// Migrate applies, in order, every embedded migration that the database has not applied.
// Migrations only go forward. Instances starting together take turns on an advisory lock,
// so each migration runs once.
func (db *DB) Migrate(ctx context.Context) error {
	files, err := migrationFiles()
	if err != nil {
		return err
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, hashtext(current_schema()))`, migrationLock); err != nil {
		return fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	defer func() {
		// A lock left behind by a broken connection goes with the connection.
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1, hashtext(current_schema()))`, migrationLock); err != nil {
			conn.Conn().Close(context.Background())
		}
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, applied_at timestamptz NOT NULL)`); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	for _, f := range files {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			var applied bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, f.Version).Scan(&applied); err != nil || applied {
				return err
			}
			if _, err := tx.Exec(ctx, f.SQL); err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, f.Version, db.now())
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
	}
	return nil
}

// Ping reports whether the database answers and every embedded migration is applied.
func (db *DB) Ping(ctx context.Context) error {
	files, err := migrationFiles()
	if err != nil {
		return err
	}
	var applied int
	if err := db.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	if want := files[len(files)-1].Version; applied < want {
		return fmt.Errorf("postgres: schema version %d, want %d: run shiftwire migrate", applied, want)
	}
	return nil
}

// migrationFiles returns the embedded migrations in order.
func migrationFiles() ([]migration.File, error) {
	files, err := migration.Load(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return files, nil
}

// txAttempts bounds how often a transaction that lost a deadlock or serialization conflict
// is run again. The lock order of the package makes such conflicts rare; retrying makes the
// rare one invisible to callers.
const txAttempts = 5

// inTx runs fn in a transaction and commits it when fn returns nil. A transaction that
// PostgreSQL aborted to break a deadlock runs again from the start, so fn must not keep
// state from one run to the next.
func (db *DB) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, db.pool, fn)
		if err == nil || attempt == txAttempts || !isRetryable(err) || ctx.Err() != nil {
			return err
		}
	}
}

// isRetryable reports whether err is a conflict that running the transaction again solves.
func isRetryable(err error) bool {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code == "40P01" || e.Code == "40001" // deadlock_detected, serialization_failure
	}
	return false
}

// isUniqueViolation reports whether err is PostgreSQL's error for a duplicate key.
func isUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// fromNullTime reads NULL as the zero time, and every time in UTC, as the SQLite store does.
func fromNullTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/migration"
	"io/fs"
	"log/slog"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
	"net/url"
	"os"
	"runtime"
	"sync/atomic"
	"time"
)

//go:embed migrations/*.sql
var migrations embed.FS

// writerSpillPages is how many pages a write transaction may hold in the cache before it
// spills dirty ones to the write-ahead log: 2,048 pages of 4 KiB, about 16 MiB with the
// allocator's rounding of each page and its header. A transaction larger than that spills as
// before; a larger bound made such transactions slower.
const writerSpillPages = 2048

// DB is the Store on one SQLite file.
type DB struct {
	write *sql.DB // one connection: SQLite has one writer
	// syncMode is the synchronous setting last given to the write connection; only the holder
	// of that connection reads or sets it. See durability.
	syncMode durability
	read     *sql.DB
	sealer   shiftwire.Sealer
	now      func() time.Time
	notify   chan struct{}

	statements *atomic.Int64 // statements run on both pools, see Statements

	checkpoints *checkpointer // nil until Open starts it
	log         atomic.Pointer[slog.Logger]
}

var _ shiftwire.Store = (*DB)(nil)

// Open opens (creating it if needed) the database file at path and applies any migration not
// applied yet. Signing keys are sealed with sealer before they are written.
func Open(ctx context.Context, path string, sealer shiftwire.Sealer) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: no database path")
	}
	if err := ownerOnly(path); err != nil {
		return nil, err
	}
	dsn := func(txlock string, more ...string) string {
		q := url.Values{}
		for _, p := range append([]string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(ON)"}, more...) {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", txlock)
		return "file:" + path + "?" + q.Encode()
	}
	statements := new(atomic.Int64)
	// A transaction that dirties more pages than the cache holds (2 MiB) writes some of them
	// to the write-ahead log before it commits, and again when it changes them once more: a
	// write of 100 changes fanned out to 100 webhooks did. Up to writerSpillPages the cache
	// grows instead, for the length of the transaction.
	write, err := openCounted(dsn("immediate", fmt.Sprintf("wal_autocheckpoint(%d)", writerCheckpointPages),
		fmt.Sprintf("cache_spill(%d)", writerSpillPages)), statements)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := openCounted(dsn("deferred"), statements)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	read.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)*2))
	read.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)*2))
	db := &DB{write: write, read: read, sealer: sealer, now: time.Now, notify: make(chan struct{}, 1), statements: statements}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.startCheckpoints(dsn("deferred")); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return db, nil
}

// ownerOnly creates the database file at path readable and writable by its owner alone,
// unless it exists, and takes every other permission away from an existing one and from the
// write-ahead log and shared-memory files beside it. The files hold sealed signing keys,
// client secret hashes and every tenant's data. SQLite creates the -wal and -shm files with
// the database file's mode, so restricting the database file is enough for new ones.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		if fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil {
			return fmt.Errorf("sqlite: making %s readable by its owner only: %w", p, err)
		}
	}
	return nil
}

// Notify receives a value after commits that queued deliveries.
func (db *DB) Notify() <-chan struct{} { return db.notify }

// wake signals Notify without blocking: one pending signal is enough to wake the engine.
func (db *DB) wake() {
	select {
	case db.notify <- struct{}{}:
	default:
	}
}

// SetClock makes the store read time from now, for tests that move time by hand.
func (db *DB) SetClock(now func() time.Time) { db.now = now }

// Close closes both pools.
func (db *DB) Close() error {
	return errors.Join(db.stopCheckpoints(), db.write.Close(), db.read.Close())
}

// Migrate applies, in order, every embedded migration that the database has not applied.
// Migrations only go forward.
func (db *DB) Migrate(ctx context.Context) error {
	if _, err := db.exec(ctx, synced, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	files, err := migrationFiles()
	if err != nil {
		return err
	}
	for _, f := range files {
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, f.Version).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, f.SQL); err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, f.Version, db.now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migrate: %w", err)
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
	if err := db.read.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	if want := files[len(files)-1].Version; applied < want {
		return fmt.Errorf("sqlite: schema version %d, want %d: run shiftwire migrate", applied, want)
	}
	return nil
}

// migrationFiles returns the embedded migrations in order.
func migrationFiles() ([]migration.File, error) {
	files, err := migration.Load(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return files, nil
}

// durability is how far a write transaction's commit reaches before it returns.
//
// In WAL mode, synchronous=NORMAL survives a process crash but may lose the last commits to a
// power loss or an OS crash; synchronous=FULL syncs the WAL at every commit, and with it every
// commit before. So what the API acknowledges is written synced, and only the delivery
// engine's bookkeeping (claims, outcomes, releases, pruning, expiry), whose loss only repeats
// a delivery or a sweep, takes the cheaper mode.
type durability string

const (
	// synced commits are on disk when they return: an acknowledged change survives a power
	// loss, and its changeVersion is never issued twice.
	synced durability = "FULL"
	// bookkeeping commits survive a process crash, not always a power loss.
	bookkeeping durability = "NORMAL"
)

// begin starts a write transaction on the one write connection with durability d. The
// connection is released by Commit or Rollback. The setting cannot change inside a
// transaction, so it is given before BEGIN, and only when it differs from the last one:
// a reopened connection starts in the DSN's FULL, so a stale syncMode can only cost a sync,
// never lose one.
func (db *DB) begin(ctx context.Context, d durability) (*writeTxn, error) {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if db.syncMode != d {
		if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = `+string(d)); err != nil {
			conn.Close()
			return nil, err
		}
		db.syncMode = d
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &writeTxn{Tx: tx, conn: conn}, nil
}

// writeTxn is a write transaction that gives its connection back when it ends.
type writeTxn struct {
	*sql.Tx
	conn *sql.Conn
}

// Commit commits the transaction and releases the write connection.
func (t *writeTxn) Commit() error {
	defer t.conn.Close()
	return t.Tx.Commit()
}

// Rollback rolls the transaction back, if it is still open, and releases the write
// connection.
func (t *writeTxn) Rollback() error {
	defer t.conn.Close()
	return t.Tx.Rollback()
}

// inTx runs fn in a synced write transaction and commits it when fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return db.inTxAs(ctx, synced, fn)
}

// inBookkeepingTx runs fn in a write transaction of the engine's bookkeeping.
func (db *DB) inBookkeepingTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return db.inTxAs(ctx, bookkeeping, fn)
}

func (db *DB) inTxAs(ctx context.Context, d durability, fn func(*sql.Tx) error) error {
	tx, err := db.begin(ctx, d)
	if err != nil {
		return err
	}
	if err := fn(tx.Tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// exec runs one write statement with durability d.
func (db *DB) exec(ctx context.Context, d durability, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := db.inTxAs(ctx, d, func(tx *sql.Tx) (err error) {
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// isUniqueViolation reports whether err is SQLite's constraint error for a duplicate key.
func isUniqueViolation(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func nullMillis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromNullMillis(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromMillis(n.Int64)
}

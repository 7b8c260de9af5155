package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
)

// In WAL mode, SQLite appends each commit's pages to the write-ahead log and copies them into
// the database file in a checkpoint, which by default the committing connection runs itself
// each time the log has grown by 1,000 pages. Here that connection is the single writer every
// claim, completion and API write waits for, and the delivery queue's commits dirty pages all
// over its indexes, so checkpoints took a good part of the writer's time. Instead a
// connection of its own checkpoints in the background without waiting for the writer, and
// the writer checkpoints only each time the log has grown by writerCheckpointPages; by then
// the background has copied most of it. A page written again before the next checkpoint is
// copied once. The work is moved off the writer, not avoided: the machine still does it.
const (
	checkpointInterval    = 100 * time.Millisecond
	writerCheckpointPages = 10_000 // 40 MiB of 4 KiB pages
)

// checkpointer runs passive checkpoints every checkpointInterval on a connection that is not
// counted in Statements: it is upkeep of the file, not work of the store's callers.
type checkpointer struct {
	conn   *sql.DB
	log    *atomic.Pointer[slog.Logger] // the store's; nil logs nothing
	cancel context.CancelFunc
	done   chan struct{}
	stop   sync.Once
}

// startCheckpoints opens the checkpointer's connection with dsn and starts it.
func (db *DB) startCheckpoints(dsn string) error {
	connector, err := sqlite.NewConnector(dsn)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{conn: sql.OpenDB(connector), log: &db.log, cancel: cancel, done: make(chan struct{})}
	c.conn.SetMaxOpenConns(1)
	db.checkpoints = c
	go c.run(ctx)
	return nil
}

func (c *checkpointer) run(ctx context.Context) {
	defer close(c.done)
	tick := time.NewTicker(checkpointInterval)
	defer tick.Stop()
	var failing string // the last error logged, until a checkpoint succeeds
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		// A checkpoint that fails leaves the log as it was, for the next one or the writer
		// to copy; a failure is logged when it first happens, not every 100 ms.
		_, err := c.conn.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
		switch {
		case err == nil:
			failing = ""
		case ctx.Err() != nil:
			return
		case err.Error() != failing:
			failing = err.Error()
			if log := c.log.Load(); log != nil {
				log.Error("copy the sqlite write-ahead log into the database file", "err", err)
			}
		}
	}
}

// stopCheckpoints stops the checkpointer, if started, interrupting a checkpoint under way,
// and closes its connection.
func (db *DB) stopCheckpoints() error {
	c := db.checkpoints
	if c == nil {
		return nil
	}
	var err error
	c.stop.Do(func() {
		c.cancel()
		<-c.done
		err = c.conn.Close()
	})
	return err
}

// SetLogger makes the store log what goes wrong in its background work with log.
func (db *DB) SetLogger(log *slog.Logger) { db.log.Store(log) }

package sqlite

import (
	"context"
	"database/sql"
	"time"

	"modernc.org/sqlite"
)

// In WAL mode, SQLite appends each commit's pages to the write-ahead log and copies them into
// the database file in a checkpoint, which by default the committing connection runs itself
// once the log holds 1,000 pages. Here that connection is the single writer every claim,
// completion and API write waits for, and the delivery queue's commits dirty pages all over
// its indexes, so checkpoints took a good part of the writer's time. Instead a connection of
// its own checkpoints in the background without waiting for the writer, and the writer
// checkpoints only when the log outgrows writerCheckpointPages, a backstop for when the
// background cannot keep up. A page written again before the next checkpoint is copied once.
const (
	checkpointInterval    = 100 * time.Millisecond
	writerCheckpointPages = 10_000 // 40 MiB of 4 KiB pages
)

// checkpointer runs passive checkpoints every checkpointInterval on a connection that is not
// counted in Statements: it is upkeep of the file, not work of the store's callers.
type checkpointer struct {
	conn *sql.DB
	stop chan struct{}
	done chan struct{}
}

// startCheckpoints opens the checkpointer's connection with dsn and starts it.
func (db *DB) startCheckpoints(dsn string) error {
	connector, err := sqlite.NewConnector(dsn)
	if err != nil {
		return err
	}
	c := &checkpointer{conn: sql.OpenDB(connector), stop: make(chan struct{}), done: make(chan struct{})}
	c.conn.SetMaxOpenConns(1)
	db.checkpoints = c
	go c.run()
	return nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	tick := time.NewTicker(checkpointInterval)
	defer tick.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
			// A checkpoint that fails leaves the log as it was, for the next one or the
			// writer's backstop to copy.
			c.conn.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// stopCheckpoints stops the checkpointer, if started, and closes its connection.
func (db *DB) stopCheckpoints() error {
	c := db.checkpoints
	if c == nil {
		return nil
	}
	db.checkpoints = nil
	close(c.stop)
	<-c.done
	return c.conn.Close()
}

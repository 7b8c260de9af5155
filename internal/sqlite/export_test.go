package sqlite

import (
	"context"
	"database/sql"
)

// WriteSynchronous returns the synchronous setting the write connection is left with: the
// one the last write committed under (1 NORMAL, 2 FULL).
func (db *DB) WriteSynchronous(ctx context.Context) (int, error) {
	return db.WritePragma(ctx, "synchronous")
}

// WritePragma returns the value of an integer setting of the write connection.
func (db *DB) WritePragma(ctx context.Context, name string) (int, error) {
	var value int
	err := db.write.QueryRowContext(ctx, `PRAGMA `+name).Scan(&value)
	return value, err
}

// ReadDB returns the pool of reads, for tests that look at the schema.
func (db *DB) ReadDB() *sql.DB { return db.read }

// ExecWrite runs a statement on the write connection, for tests that need a state the Store
// never makes, such as a delivery whose change is gone.
func (db *DB) ExecWrite(ctx context.Context, query string, args ...any) error {
	_, err := db.write.ExecContext(ctx, query, args...)
	return err
}

// SetRetryChunk sets how many deliveries RetryDeliveries looks at in one transaction, for a
// test of its chunks, and returns the previous value.
func SetRetryChunk(n int) int {
	old := retryChunk
	retryChunk = n
	return old
}

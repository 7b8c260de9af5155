package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync/atomic"

	"modernc.org/sqlite"
)

// Statements returns how many SQL statements the store has executed since it was opened,
// on both pools: every query and exec, whether on a connection, a prepared statement or in a
// transaction, and every begin, commit and rollback. It is what the
// shiftwire_db_statements_total metric reports, and what a PostgreSQL store counts with a
// pgx tracer, so "statements per event" means the same on both.
func (db *DB) Statements() int64 { return db.statements.Load() }

// openCounted opens a pool on dsn whose connections add one to n for every statement they
// run. Counting wraps modernc's connector rather than the store's methods so that nothing
// the store runs can escape it, and costs one atomic add per statement.
func openCounted(dsn string, n *atomic.Int64) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(countingConnector{Connector: c, n: n}), nil
}

// countingConnector opens counting connections.
type countingConnector struct {
	driver.Connector
	n *atomic.Int64
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	f, ok := conn.(fullConn)
	if !ok {
		conn.Close()
		return nil, errors.New("sqlite: the driver's connection lacks an interface the store relies on")
	}
	return &countingConn{conn: f, n: c.n}, nil
}

// fullConn is the interfaces modernc's connection implements and database/sql looks for.
// The wrapper implements all of them, so database/sql drives a counted connection exactly
// as it would the bare one (ExecContext without a prepare, for one).
type fullConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// countingConn forwards to modernc's connection, counting statements.
type countingConn struct {
	conn fullConn
	n    *atomic.Int64
}

var _ fullConn = (*countingConn)(nil)

func (c *countingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &countingStmt{stmt: s, n: c.n}, nil
}

func (c *countingConn) Close() error { return c.conn.Close() }

func (c *countingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.n.Add(1)
	tx, err := c.conn.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &countingTx{tx: tx, n: c.n}, nil
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.n.Add(1)
	return c.conn.ExecContext(ctx, query, args)
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.n.Add(1)
	return c.conn.QueryContext(ctx, query, args)
}

func (c *countingConn) Ping(ctx context.Context) error         { return c.conn.Ping(ctx) }
func (c *countingConn) ResetSession(ctx context.Context) error { return c.conn.ResetSession(ctx) }
func (c *countingConn) IsValid() bool                          { return c.conn.IsValid() }

// countingTx counts the commit or rollback that ends a transaction.
type countingTx struct {
	tx driver.Tx
	n  *atomic.Int64
}

func (t *countingTx) Commit() error {
	t.n.Add(1)
	return t.tx.Commit()
}

func (t *countingTx) Rollback() error {
	t.n.Add(1)
	return t.tx.Rollback()
}

// countingStmt counts each execution of a prepared statement; preparing it is not a
// statement of its own.
type countingStmt struct {
	stmt driver.Stmt
	n    *atomic.Int64
}

func (s *countingStmt) Close() error  { return s.stmt.Close() }
func (s *countingStmt) NumInput() int { return s.stmt.NumInput() }

func (s *countingStmt) Exec(args []driver.Value) (driver.Result, error) {
	s.n.Add(1)
	return s.stmt.Exec(args)
}

func (s *countingStmt) Query(args []driver.Value) (driver.Rows, error) {
	s.n.Add(1)
	return s.stmt.Query(args)
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	e, ok := s.stmt.(driver.StmtExecContext)
	if !ok {
		return nil, errors.New("sqlite: the driver's statement lacks ExecContext")
	}
	s.n.Add(1)
	return e.ExecContext(ctx, args)
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.stmt.(driver.StmtQueryContext)
	if !ok {
		return nil, errors.New("sqlite: the driver's statement lacks QueryContext")
	}
	s.n.Add(1)
	return q.QueryContext(ctx, args)
}

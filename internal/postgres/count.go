package postgres

import (
	"context"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// Statements returns how many SQL statements the store has executed since it was opened:
// every query and exec, each statement of a batch, and every begin, commit and rollback
// (pgx runs those as statements too). It is what the shiftwire_db_statements_total metric
// reports, counted like the SQLite store's, so "statements per event" means the same on
// both. The LISTEN connection is not counted: it waits, it does not work.
func (db *DB) Statements() int64 { return db.statements.Load() }

// statementCounter is a pgx tracer that adds one per statement.
type statementCounter struct{ n *atomic.Int64 }

var (
	_ pgx.QueryTracer = statementCounter{}
	_ pgx.BatchTracer = statementCounter{}
)

func (c statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (statementCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (c statementCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {
	c.n.Add(1)
}

func (statementCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

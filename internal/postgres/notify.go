package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// notifyChannel is the channel a commit that queued deliveries notifies, with the schema
// as the payload: channels are per database, and deployments in different schemas of one
// database must not wake each other.
const notifyChannel = "shiftwire_deliveries"

// notifySQL notifies the instances listening when the fan-out CTE called queued inserted
// rows; it is appended to the fan-out so that it costs no round trip. PostgreSQL delivers
// the notification at commit and drops it on rollback, and folds repeats within one
// transaction into one.
const notifySQL = `SELECT n.n, (SELECT 1 FROM pg_notify('` + notifyChannel + `', current_schema()) WHERE n.n > 0)
	FROM (SELECT count(*) AS n FROM queued) n`

// listen keeps a connection of its own LISTENing until ctx is cancelled, reconnecting when
// it breaks, and turns every notification for this schema, from any instance, into a
// signal on Notify.
func (db *DB) listen(ctx context.Context) {
	defer db.listening.Done()
	const minBackoff, maxBackoff = 100 * time.Millisecond, 5 * time.Second
	backoff := minBackoff
	for ctx.Err() == nil {
		listened, _ := db.listenConn(ctx)
		if listened {
			backoff = minBackoff
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// listenConn connects, LISTENs and relays notifications until the connection fails or ctx
// is cancelled. listened reports whether it got as far as listening.
func (db *DB) listenConn(ctx context.Context) (listened bool, err error) {
	// A connection outside the pool: LISTEN belongs to a session, and a pooled connection
	// would be handed to other work between notifications.
	cfg := db.pool.Config().ConnConfig.Copy()
	cfg.Tracer = nil
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return false, err
	}
	if _, err := conn.Exec(ctx, `LISTEN `+notifyChannel); err != nil {
		return false, err
	}
	// Notifications sent while no connection listened are lost: wake the engine once so it
	// looks for what they announced.
	db.wake()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		if n.Payload == schema {
			db.wake()
		}
	}
}

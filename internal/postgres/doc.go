// Package postgres is the Store on PostgreSQL, through pgx and its connection pool, for
// running several shiftwire instances on one database.
//
// SQLite gives the embedded store a single writer for free; here many transactions of many
// instances run at once, so the few writes whose order matters take row locks, always in the
// same order (tenant, then webhook, then deliveries) so that they cannot deadlock:
//
//   - Every write locks its tenant's row for the whole transaction and takes change versions
//     from it, so versions are taken in commit order; creating and disabling a webhook take the
//     same lock, so a webhook receives exactly the changes committed after it and none after it
//     was disabled.
//   - Claims lock their candidate deliveries with FOR UPDATE SKIP LOCKED, so two instances never
//     lease the same delivery and never wait for each other, while an earlier delivery of the
//     same lane still blocks its successors whoever holds it.
//   - A commit that queued deliveries sends a NOTIFY; every instance LISTENs on a connection of
//     its own and wakes its engine, so whichever instance claims the work does so at once.
//
// Objects and their keys are kept as in the SQLite store, in one object_keys table whatever
// the collection, and a filtered list is planned the same way. pgx prepares every statement,
// so PostgreSQL plans it once for any values, often before it has statistics of a newly
// loaded table: the list statements are written to leave it no plan but the one chosen.
//
// Times are stored as timestamptz and always come from the Go clock (SetClock in tests), never
// from the database's now().
package postgres

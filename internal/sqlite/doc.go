// Package sqlite is the Store on an embedded SQLite database: one file, WAL mode, the pure-Go
// modernc.org/sqlite driver, so the binary needs no cgo.
//
// SQLite allows one writer at a time, so the store keeps two pools: a single connection for
// writes, whose transactions start with BEGIN IMMEDIATE and so never fail on a lock upgrade,
// and a pool of readers that WAL lets run beside it.
//
// Objects are kept as their JSON. The keys that list filters and external references select
// them by are rows of one table, object_keys, whatever the collection, so that a new
// collection or filter needs no migration; a filtered list is planned by the store, which
// counts how many keys each condition selects (see listObjects), since SQLite cannot tell.
package sqlite

-- Deltas: one active per tenant, client and collection, with the change version its consumer
-- has seen everything up to. The change log keeps a collection's changes after the cursor of
-- an active delta; a delta that is retired or expired is deleted.

CREATE TABLE deltas (
	id           INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: a retired delta's tokens stay gone
	tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
	client_id    TEXT    NOT NULL,
	collection   TEXT    NOT NULL,
	cursor       INTEGER NOT NULL,
	last_used_at INTEGER NOT NULL,
	UNIQUE (tenant_id, client_id, collection)
);

CREATE INDEX deltas_by_collection ON deltas (tenant_id, collection, cursor);

-- A delta reads one collection's changes after its cursor, the latest of each object.
CREATE INDEX changes_by_collection ON changes (tenant_id, collection, version);
CREATE INDEX changes_by_object ON changes (tenant_id, collection, object_id, version);

-- The objects of every collection, the change log, and custom external references.

CREATE TABLE objects (
	tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
	collection TEXT    NOT NULL,
	id         INTEGER NOT NULL,
	version    INTEGER NOT NULL,
	-- Filter keys taken from data by the collection's rules; NULL when it has none.
	person_id  INTEGER,
	date       TEXT,
	kind       TEXT,
	data       BLOB    NOT NULL, -- the object's JSON without changeVersion
	PRIMARY KEY (tenant_id, collection, id)
) WITHOUT ROWID;

CREATE INDEX objects_by_date ON objects (tenant_id, collection, date, id) WHERE date IS NOT NULL;
CREATE INDEX objects_by_person ON objects (tenant_id, collection, person_id, id) WHERE person_id IS NOT NULL;

CREATE TABLE changes (
	tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
	version      INTEGER NOT NULL,
	collection   TEXT    NOT NULL,
	object_id    INTEGER NOT NULL,
	change_type  TEXT    NOT NULL,
	data         BLOB, -- NULL for a Delete
	committed_at INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, version)
) WITHOUT ROWID;

CREATE TABLE custom_references (
	tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
	collection TEXT    NOT NULL,
	object_id  INTEGER NOT NULL,
	name       TEXT    NOT NULL,
	value      TEXT    NOT NULL,
	PRIMARY KEY (tenant_id, collection, object_id, name)
) WITHOUT ROWID;

CREATE INDEX custom_references_by_value ON custom_references (tenant_id, collection, name, value);

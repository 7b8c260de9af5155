-- The objects of every collection, the change log, and custom external references.

CREATE TABLE objects (
	tenant_id  bigint NOT NULL REFERENCES tenants (id),
	collection text   NOT NULL,
	id         bigint NOT NULL,
	version    bigint NOT NULL,
	-- Filter keys taken from data by the collection's rules; NULL when it has none.
	person_id  bigint,
	date       text COLLATE "C", -- YYYY-MM-DD, which orders as text
	kind       text,
	data       bytea  NOT NULL, -- the object's JSON without changeVersion, byte for byte
	PRIMARY KEY (tenant_id, collection, id)
);

CREATE INDEX objects_by_date ON objects (tenant_id, collection, date, id) WHERE date IS NOT NULL;
CREATE INDEX objects_by_person ON objects (tenant_id, collection, person_id, id) WHERE person_id IS NOT NULL;

CREATE TABLE changes (
	tenant_id    bigint      NOT NULL REFERENCES tenants (id),
	version      bigint      NOT NULL,
	collection   text        NOT NULL,
	object_id    bigint      NOT NULL,
	change_type  text        NOT NULL,
	data         bytea, -- NULL for a Delete
	committed_at timestamptz NOT NULL,
	PRIMARY KEY (tenant_id, version)
);

-- Pruning finds old entries by time.
CREATE INDEX changes_by_time ON changes (committed_at);

CREATE TABLE custom_references (
	tenant_id  bigint NOT NULL REFERENCES tenants (id),
	collection text   NOT NULL,
	object_id  bigint NOT NULL,
	name       text   NOT NULL,
	value      text   NOT NULL,
	PRIMARY KEY (tenant_id, collection, object_id, name)
);

CREATE INDEX custom_references_by_value ON custom_references (tenant_id, collection, name, value);

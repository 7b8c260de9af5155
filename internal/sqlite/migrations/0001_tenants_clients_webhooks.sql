-- Tenants, their OAuth clients and their webhooks.

CREATE TABLE tenants (
	id           INTEGER PRIMARY KEY,
	name         TEXT    NOT NULL UNIQUE,
	time_zone    TEXT    NOT NULL,
	-- The tenant's last change version: every write takes the next values from here.
	last_version INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL -- Unix milliseconds, like every time column
);

CREATE TABLE clients (
	tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
	id          TEXT    NOT NULL,
	secret_hash BLOB    NOT NULL,
	scopes      TEXT    NOT NULL, -- space-separated
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, id)
);

CREATE TABLE webhooks (
	id                  TEXT    PRIMARY KEY,
	tenant_id           INTEGER NOT NULL REFERENCES tenants (id),
	client_id           TEXT    NOT NULL,
	destination_url     TEXT    NOT NULL,
	collection          TEXT    NOT NULL,
	external_references TEXT    NOT NULL DEFAULT '', -- the query form: (people,@badge-number)...
	batch_size          INTEGER NOT NULL DEFAULT 0,
	key_sealed          BLOB    NOT NULL,
	status              TEXT    NOT NULL,
	disabled_reason     TEXT    NOT NULL DEFAULT '',
	disabled_at         INTEGER,
	created_at          INTEGER NOT NULL,
	valid_until         INTEGER NOT NULL,
	created_after       INTEGER NOT NULL
);

CREATE INDEX webhooks_by_tenant ON webhooks (tenant_id, id);

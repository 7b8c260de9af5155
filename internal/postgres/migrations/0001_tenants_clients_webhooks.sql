-- Tenants, their OAuth clients and their webhooks.
--
-- Ids that Go compares and pages by (webhook and attempt GUIDs, client ids) use the "C"
-- collation, so the database orders them byte by byte as Go does, whatever the cluster's
-- locale.

CREATE TABLE tenants (
	id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name         text        NOT NULL UNIQUE,
	time_zone    text        NOT NULL,
	-- The tenant's last change version: every write locks this row and takes the next values
	-- from here, so versions are taken in commit order across every instance.
	last_version bigint      NOT NULL DEFAULT 0,
	created_at   timestamptz NOT NULL
);

CREATE TABLE clients (
	tenant_id   bigint      NOT NULL REFERENCES tenants (id),
	id          text        COLLATE "C" NOT NULL,
	secret_hash bytea       NOT NULL,
	scopes      text[]      NOT NULL,
	created_at  timestamptz NOT NULL,
	PRIMARY KEY (tenant_id, id)
);

CREATE TABLE webhooks (
	id                  text        COLLATE "C" PRIMARY KEY,
	tenant_id           bigint      NOT NULL REFERENCES tenants (id),
	client_id           text        NOT NULL,
	destination_url     text        NOT NULL,
	collection          text        NOT NULL,
	external_references text        NOT NULL DEFAULT '', -- the query form: (people,@badge-number)...
	batch_size          integer     NOT NULL DEFAULT 0,
	key_sealed          bytea       NOT NULL,
	status              text        NOT NULL,
	disabled_reason     text        NOT NULL DEFAULT '',
	disabled_at         timestamptz,
	created_at          timestamptz NOT NULL,
	valid_until         timestamptz NOT NULL,
	created_after       bigint      NOT NULL
);

CREATE INDEX webhooks_by_tenant ON webhooks (tenant_id, id);

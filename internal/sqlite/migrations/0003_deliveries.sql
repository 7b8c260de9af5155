-- The delivery queue and the record of attempts.

ALTER TABLE webhooks ADD COLUMN failing_since INTEGER; -- first failure since the last success

CREATE INDEX webhooks_by_collection ON webhooks (tenant_id, collection) WHERE status = 'Enabled';

-- One row per change on its way to one webhook; deleted once delivered.
CREATE TABLE deliveries (
	id              INTEGER PRIMARY KEY,
	webhook_id      TEXT    NOT NULL,
	tenant_id       INTEGER NOT NULL,
	version         INTEGER NOT NULL,
	object_id       INTEGER NOT NULL,
	attempt         INTEGER NOT NULL DEFAULT 0, -- attempts made so far
	next_attempt_at INTEGER NOT NULL,
	lease_until     INTEGER NOT NULL DEFAULT 0 -- claimed by an engine until then
);

-- A lane is one object's changes for one webhook: only its lowest version may be sent.
CREATE UNIQUE INDEX deliveries_by_lane ON deliveries (webhook_id, object_id, version);
CREATE INDEX deliveries_by_due ON deliveries (next_attempt_at);
-- Pruning keeps the changes that queued deliveries still need.
CREATE INDEX deliveries_by_change ON deliveries (tenant_id, version);

CREATE TABLE delivery_attempts (
	id              TEXT    PRIMARY KEY, -- time-ordered GUID
	webhook_id      TEXT    NOT NULL,
	tenant_id       INTEGER NOT NULL,
	attempted_at    INTEGER NOT NULL,
	duration_ms     INTEGER NOT NULL,
	status_code     INTEGER NOT NULL,
	outcome         TEXT    NOT NULL,
	error           TEXT    NOT NULL,
	change_versions TEXT    NOT NULL, -- space-separated 20-digit versions
	attempt         INTEGER NOT NULL,
	next_attempt_at INTEGER,
	request_headers TEXT    NOT NULL, -- JSON object
	request_body    BLOB    NOT NULL,
	response_body   BLOB    NOT NULL
);

CREATE INDEX delivery_attempts_by_webhook ON delivery_attempts (webhook_id, id);
CREATE INDEX delivery_attempts_by_time ON delivery_attempts (attempted_at);

-- The delivery queue and the record of attempts.

ALTER TABLE webhooks ADD COLUMN failing_since timestamptz; -- first failure since the last success

CREATE INDEX webhooks_by_collection ON webhooks (tenant_id, collection) WHERE status = 'Enabled';
-- Expiry looks for enabled webhooks whose validUntil came.
CREATE INDEX webhooks_by_expiry ON webhooks (valid_until) WHERE status = 'Enabled';

-- One row per change on its way to one webhook; deleted once delivered.
CREATE TABLE deliveries (
	id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	webhook_id      text        COLLATE "C" NOT NULL,
	tenant_id       bigint      NOT NULL,
	version         bigint      NOT NULL,
	object_id       bigint      NOT NULL,
	attempt         integer     NOT NULL DEFAULT 0, -- attempts made so far
	next_attempt_at timestamptz NOT NULL,
	-- Claimed by an instance until then; another instance may claim it after, which is how a
	-- dead instance's work is taken over.
	lease_until     timestamptz NOT NULL DEFAULT '-infinity'
);

-- A lane is one object's changes for one webhook: only its lowest version may be sent.
CREATE UNIQUE INDEX deliveries_by_lane ON deliveries (webhook_id, object_id, version);
-- Claims walk the queue in due order and stop at their limit.
CREATE INDEX deliveries_by_due ON deliveries (next_attempt_at, id);
-- Pruning keeps the changes that queued deliveries still need.
CREATE INDEX deliveries_by_change ON deliveries (tenant_id, version);

CREATE TABLE delivery_attempts (
	id              text        COLLATE "C" PRIMARY KEY, -- time-ordered GUID
	webhook_id      text        COLLATE "C" NOT NULL,
	tenant_id       bigint      NOT NULL,
	attempted_at    timestamptz NOT NULL,
	duration_ms     bigint      NOT NULL,
	status_code     integer     NOT NULL,
	outcome         text        NOT NULL,
	error           text        NOT NULL,
	change_versions bigint[]    NOT NULL,
	attempt         integer     NOT NULL,
	next_attempt_at timestamptz,
	request_headers jsonb       NOT NULL,
	request_body    bytea       NOT NULL,
	response_body   bytea       NOT NULL
);

CREATE INDEX delivery_attempts_by_webhook ON delivery_attempts (webhook_id, id);
CREATE INDEX delivery_attempts_by_time ON delivery_attempts (attempted_at);

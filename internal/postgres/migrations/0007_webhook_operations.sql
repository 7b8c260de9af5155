-- Webhook operations and lifecycle notices (SPEC section 14).

-- A lane is one object's queued deliveries for one webhook, in queue (id) order: a change
-- queued again by resend or recover joins the back of its object's lane. Ids grow with the
-- version for changes queued as they commit (each write holds its tenant's lock from its
-- first version to its commit), so for those the order is unchanged.
DROP INDEX deliveries_by_lane;
CREATE INDEX deliveries_by_lane ON deliveries (webhook_id, object_id, id);

ALTER TABLE webhooks ADD COLUMN lifecycle_url text NOT NULL DEFAULT '';
-- After a rotation the previous key signs beside the current one until previous_key_until.
ALTER TABLE webhooks ADD COLUMN previous_key_sealed bytea;
ALTER TABLE webhooks ADD COLUMN previous_key_until timestamptz;
-- Health: attempts failed in a row, and whether DeliveryFailing was sent since the last
-- success; whether ExpiringSoon was sent.
ALTER TABLE webhooks ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN failing_notified boolean NOT NULL DEFAULT false;
ALTER TABLE webhooks ADD COLUMN expiry_notified boolean NOT NULL DEFAULT false;

-- Lifecycle notices on their way to webhooks' lifecycle URLs; deleted once acknowledged or
-- given up. Attempts are recorded in delivery_attempts with the webhook's id.
CREATE TABLE lifecycle_notices (
	id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	tenant_id       bigint      NOT NULL,
	webhook_id      text        COLLATE "C" NOT NULL,
	event           text        NOT NULL,
	reason          text        NOT NULL DEFAULT '',
	occurred_at     timestamptz NOT NULL,
	attempt         integer     NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL,
	lease_until     timestamptz NOT NULL DEFAULT '-infinity',
	lease           bigint      NOT NULL DEFAULT 0
);

CREATE INDEX lifecycle_notices_by_webhook ON lifecycle_notices (webhook_id, id);
CREATE INDEX lifecycle_notices_by_due ON lifecycle_notices (next_attempt_at, id);

-- Webhook operations and lifecycle notices (SPEC section 14).

-- A lane is one object's queued deliveries for one webhook, in queue (id) order: a change
-- queued again by resend or recover joins the back of its object's lane. Ids grow with the
-- version for changes queued as they commit, so for those the order is unchanged. The same
-- change may be queued once per webhook.
DROP INDEX deliveries_by_lane;
CREATE INDEX deliveries_by_lane ON deliveries (webhook_id, object_id);

ALTER TABLE webhooks ADD COLUMN lifecycle_url TEXT NOT NULL DEFAULT '';
-- After a rotation the previous key signs beside the current one until previous_key_until.
ALTER TABLE webhooks ADD COLUMN previous_key_sealed BLOB;
ALTER TABLE webhooks ADD COLUMN previous_key_until INTEGER;
-- Health: attempts failed in a row, and whether DeliveryFailing was sent since the last
-- success; whether ExpiringSoon was sent.
ALTER TABLE webhooks ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN failing_notified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN expiry_notified INTEGER NOT NULL DEFAULT 0;

CREATE INDEX webhooks_by_expiry ON webhooks (valid_until) WHERE status = 'Enabled';

-- Lifecycle notices on their way to webhooks' lifecycle URLs; deleted once acknowledged or
-- given up. Attempts are recorded in delivery_attempts with the webhook's id.
CREATE TABLE lifecycle_notices (
	id              INTEGER PRIMARY KEY,
	tenant_id       INTEGER NOT NULL,
	webhook_id      TEXT    NOT NULL,
	event           TEXT    NOT NULL,
	reason          TEXT    NOT NULL DEFAULT '',
	occurred_at     INTEGER NOT NULL,
	attempt         INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	lease_until     INTEGER NOT NULL DEFAULT 0,
	lease           INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX lifecycle_notices_by_webhook ON lifecycle_notices (webhook_id, id);
CREATE INDEX lifecycle_notices_by_due ON lifecycle_notices (next_attempt_at);

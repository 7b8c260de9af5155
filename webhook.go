package shiftwire

import (
	"time"
)

// WebhookStatus is Enabled from creation until the webhook is disabled; a disabled webhook
// never sends again and cannot be re-enabled, as Protime documents.
type WebhookStatus string

// The webhook statuses.
const (
	WebhookEnabled  WebhookStatus = "Enabled"
	WebhookDisabled WebhookStatus = "Disabled"
)

// DisabledReason tells why a webhook was disabled.
type DisabledReason string

// The reasons a webhook is disabled.
const (
	DisabledExpired     DisabledReason = "Expired"     // validUntil was reached
	DisabledUnreachable DisabledReason = "Unreachable" // no success for --disable-after
	DisabledGone        DisabledReason = "Gone"        // the destination answered 410
	DisabledDeleted     DisabledReason = "Deleted"     // DELETE /webhooks/{id}
)

// DefaultWebhookValidity is how long a webhook lives unless configured otherwise.
const DefaultWebhookValidity = 30 * 24 * time.Hour

// MaxBatchSize bounds the opt-in batch mode (POST /webhooks?batchSize=N).
const MaxBatchSize = 1000

// Webhook subscribes a destination URL to the changes of one collection of one tenant.
type Webhook struct {
	ID                 string // a GUID
	TenantID           int64
	ClientID           string // the client that created it
	DestinationURL     string
	Collection         string
	ExternalReferences ExternalReferences // chosen at creation; resolved when an event is sent
	BatchSize          int                // 0: one event per request; 1..MaxBatchSize: {"value":[...]}
	Key                Secret             // the raw signing key; encrypted at rest
	// PreviousKey is the key before the last rotation: it signs beside Key until
	// PreviousKeyUntil, so receivers can switch keys without dropping an event.
	PreviousKey      Secret
	PreviousKeyUntil time.Time
	// LifecycleURL receives the webhook's lifecycle notices; "" for none.
	LifecycleURL string

	Status         WebhookStatus
	DisabledReason DisabledReason
	DisabledAt     time.Time

	CreatedAt  time.Time
	ValidUntil time.Time
	// CreatedAfter is the tenant's last change version when the webhook was created: the
	// webhook receives exactly the changes with a greater version.
	CreatedAfter ChangeVersion
	// FailingSince is the first failed attempt since the last success; zero while the
	// destination succeeds. A webhook failing for --disable-after is disabled.
	FailingSince time.Time
	// FailedAttempts counts the attempts failed in a row since the last success, and
	// FailingNotified is set while a DeliveryFailing notice stands without a success since.
	FailedAttempts  int
	FailingNotified bool
}

// Enabled reports whether the webhook may still send.
func (w *Webhook) Enabled() bool { return w.Status == WebhookEnabled }

// ExpiredAt reports whether the webhook's validUntil has come at now while it is still
// stored as enabled: it is Expired from that instant, whether or not the engine's sweep has
// recorded it yet, and sends nothing. A zero ValidUntil counts as come, so a webhook stored
// without one fails closed.
func (w *Webhook) ExpiredAt(now time.Time) bool {
	return w.Enabled() && !now.Before(w.ValidUntil)
}

// AsOf returns the webhook as it stands at now: a copy disabled as Expired at its
// validUntil when that has come and the sweep has not recorded it yet, or w itself.
func (w *Webhook) AsOf(now time.Time) *Webhook {
	if !w.ExpiredAt(now) {
		return w
	}
	c := *w
	c.Status, c.DisabledReason, c.DisabledAt = WebhookDisabled, DisabledExpired, w.ValidUntil
	return &c
}

// SigningKeys returns the keys that sign the webhook's requests at now, the current key
// first: the previous key too while the overlap of the last rotation lasts.
func (w *Webhook) SigningKeys(now time.Time) []Secret {
	if len(w.PreviousKey) > 0 && now.Before(w.PreviousKeyUntil) {
		return []Secret{w.Key, w.PreviousKey}
	}
	return []Secret{w.Key}
}

// ValidUntilLayout is how validUntil is shown, in the tenant's time zone: ISO 8601 with the
// UTC offset, as in Protime's 2025-03-31T12:30:00+02:00.
const ValidUntilLayout = "2006-01-02T15:04:05-07:00"

// DefaultKeyOverlap is how long the previous key keeps signing after a rotation.
const DefaultKeyOverlap = 24 * time.Hour

// Notifies reports whether disabling a webhook for this reason sends a Disabled lifecycle
// notice: every reason but Deleted, which its own client asked for.
func (r DisabledReason) Notifies() bool { return r != "" && r != DisabledDeleted }

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
}

// Enabled reports whether the webhook may still send.
func (w *Webhook) Enabled() bool { return w.Status == WebhookEnabled }

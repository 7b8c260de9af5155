package shiftwire

import "time"

// LifecycleEvent names a lifecycle notice: what happened to a webhook, told to its
// lifecycleNotificationUrl (SPEC section 14), as Microsoft Graph's lifecycle notifications
// do.
type LifecycleEvent string

// The lifecycle events.
const (
	// ExpiringSoon is sent once, the expiry notice period before validUntil, so the
	// consumer can create the next webhook in time: webhooks cannot be renewed.
	ExpiringSoon LifecycleEvent = "ExpiringSoon"
	// WebhookDisabledNotice is sent when the webhook is disabled for any reason but Deleted.
	WebhookDisabledNotice LifecycleEvent = "Disabled"
	// DeliveryFailing is sent once the destination failed FailingNoticeAfter attempts in a
	// row.
	DeliveryFailing LifecycleEvent = "DeliveryFailing"
	// DeliveryRecovered is sent at the first success after DeliveryFailing.
	DeliveryRecovered LifecycleEvent = "DeliveryRecovered"
)

// LifecycleEvents lists the lifecycle events, for metrics and documentation.
func LifecycleEvents() []LifecycleEvent {
	return []LifecycleEvent{ExpiringSoon, WebhookDisabledNotice, DeliveryFailing, DeliveryRecovered}
}

// FailingNoticeAfter is how many attempts in a row must fail before DeliveryFailing.
const FailingNoticeAfter = 4

// DefaultExpiryNotice is how long before validUntil ExpiringSoon is sent by default.
const DefaultExpiryNotice = 72 * time.Hour

// Notice is one lifecycle notice on its way to a webhook's lifecycleNotificationUrl: an
// entry of the notice queue, retried like an event until it is acknowledged or given up.
// Its body is rendered when it is sent, from the webhook and what the notice records of the
// moment it happened.
type Notice struct {
	ID         int64
	TenantID   int64
	WebhookID  string
	Event      LifecycleEvent
	Reason     DisabledReason // for WebhookDisabledNotice
	OccurredAt time.Time

	Attempt       int // attempts made so far
	NextAttemptAt time.Time
	Lease         Lease // the claim that leased it, as for a Delivery
}

// NoticeCompletion is the outcome of one attempt to send a notice.
type NoticeCompletion struct {
	Attempt Attempt // recorded among the webhook's attempts
	Notice  int64
	Lease   Lease
	// Done removes the notice from the queue: it was acknowledged, or given up. Otherwise it
	// is due again at Attempt.NextAttemptAt.
	Done bool
}

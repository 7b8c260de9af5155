package consumer

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shiftwire/shiftwire"
)

// Notice is a lifecycle notification: what happened to a webhook, sent to its
// lifecycleNotificationUrl with the same key as its events. ExpiringSoon is the one to act
// on: webhooks cannot be renewed, so create the next one before Webhook.ValidUntil.
type Notice struct {
	// MessageID is the request's webhook-id, the same on every retry of the notice.
	MessageID string `json:"-"`
	// LifecycleEvent is ExpiringSoon, Disabled, DeliveryFailing or DeliveryRecovered.
	LifecycleEvent shiftwire.LifecycleEvent `json:"lifecycleEvent"`
	// Webhook is the webhook as it was when the event happened.
	Webhook NoticeWebhook `json:"webhook"`
	// OccurredAt is when the event happened.
	OccurredAt time.Time `json:"occurredAt"`
}

// NoticeWebhook is the webhook a Notice is about.
type NoticeWebhook struct {
	ID             string                   `json:"id"`
	Status         shiftwire.WebhookStatus  `json:"status"`
	DisabledReason shiftwire.DisabledReason `json:"disabledReason,omitempty"`
	ValidUntil     time.Time                `json:"validUntil"`
	DestinationURL string                   `json:"destinationUrl"`
	CollectionName string                   `json:"collectionName"`
}

// errNotice is decodeBody's answer to a lifecycle notification, which a handler passes to
// Config.Notice when it has one.
var errNotice = errors.New("body: a lifecycle notification, not an event; set Config.Notice to receive it, or give lifecycleNotificationUrl a receiver of its own")

// DecodeNotice decodes the body of a lifecycle notification. Like Decode, it does not
// verify the signature.
func DecodeNotice(body []byte) (Notice, error) {
	var n Notice
	if err := json.Unmarshal(body, &n); err != nil {
		return Notice{}, fmt.Errorf("body: %w", jsonError(err, len(body)))
	}
	switch {
	case n.LifecycleEvent == "":
		return Notice{}, errors.New("lifecycleEvent: missing")
	case n.Webhook.ID == "":
		return Notice{}, errors.New("webhook.id: missing")
	case n.OccurredAt.IsZero():
		return Notice{}, errors.New("occurredAt: missing")
	}
	return n, nil
}

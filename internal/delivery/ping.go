package delivery

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/signing"
)

// Ping sends one signed Ping event to hook's destination now, waits for it (at most the
// delivery timeout), records the attempt and returns it. It goes through the same transport,
// headers and signature as events, but outside the webhook's queue and failure tracking: a
// failed ping neither delays the webhook's events nor counts towards disabling it. The
// caller checks that the webhook is enabled.
func (e *Engine) Ping(ctx context.Context, hook *shiftwire.Webhook) (*shiftwire.Attempt, error) {
	start := e.now()
	id := shiftwire.NewID(start)
	var ping struct {
		ChangeType string `json:"changeType"`
		Data       struct {
			WebhookID string `json:"webhookId"`
			SentAt    string `json:"sentAt"`
		} `json:"data"`
	}
	ping.ChangeType = "Ping"
	ping.Data.WebhookID = hook.ID
	ping.Data.SentAt = start.UTC().Format(time.RFC3339Nano)
	body, err := json.Marshal(ping)
	if err != nil {
		return nil, err
	}
	msgID := "msg_" + strings.ReplaceAll(hook.ID, "-", "") + "_ping_" + strings.ReplaceAll(id, "-", "")
	var signers []*signing.Signer
	for _, key := range hook.SigningKeys(start) {
		signers = append(signers, signing.NewSigner(key.Reveal()))
	}
	header, respBody, end, result := e.post(ctx, signers, hook.DestinationURL, msgID, start, body)
	e.observer.Attempted(result.Outcome)
	a := shiftwire.Attempt{
		ID:             id,
		WebhookID:      hook.ID,
		TenantID:       hook.TenantID,
		AttemptedAt:    start,
		Duration:       end.Sub(start),
		StatusCode:     result.StatusCode,
		Outcome:        result.Outcome,
		Error:          result.Err,
		Attempt:        1,
		RequestHeaders: flatten(header),
		RequestBody:    body,
		ResponseBody:   respBody,
	}
	c := shiftwire.Completion{Attempt: a, Succeeded: result.Outcome == shiftwire.OutcomeSucceeded, Untracked: true}
	if err := e.store.CompleteDeliveries(context.WithoutCancel(ctx), []shiftwire.Completion{c}); err != nil {
		return nil, err
	}
	return &a, nil
}

// Forget drops what the engine keeps of a webhook, after a change the engine would
// otherwise see only when its cache runs out, such as a new signing key.
func (e *Engine) Forget(id string) { e.forget(id) }

// Wake makes the engine claim due deliveries now instead of at its next poll, after a
// change to the queue that the store does not announce, such as POST /webhooks/{id}/retry.
// A webhook whose destination is being probed is probed by the next claim.
func (e *Engine) Wake() { e.signal() }

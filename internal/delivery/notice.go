package delivery

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shiftwire/shiftwire"
)

// noticeBatch bounds the notices one round claims and sends at once.
const noticeBatch = 64

// noticeJSON is a lifecycle notice's body (SPEC section 14).
type noticeJSON struct {
	LifecycleEvent shiftwire.LifecycleEvent `json:"lifecycleEvent"`
	Webhook        noticeWebhookJSON        `json:"webhook"`
	OccurredAt     string                   `json:"occurredAt"`
}

// noticeWebhookJSON is the webhook as a notice shows it: as it was when the notice's event
// happened, in the API's terms.
type noticeWebhookJSON struct {
	ID             string                   `json:"id"`
	Status         shiftwire.WebhookStatus  `json:"status"`
	DisabledReason shiftwire.DisabledReason `json:"disabledReason,omitempty"`
	ValidUntil     string                   `json:"validUntil"`
	DestinationURL string                   `json:"destinationUrl"`
	CollectionName string                   `json:"collectionName"`
}

// noticeBody renders notice n of hook, its validUntil in the tenant's time zone.
func noticeBody(n *shiftwire.Notice, hook *shiftwire.Webhook, loc *time.Location) ([]byte, error) {
	body := noticeJSON{
		LifecycleEvent: n.Event,
		Webhook: noticeWebhookJSON{
			ID:             hook.ID,
			Status:         shiftwire.WebhookEnabled,
			ValidUntil:     hook.ValidUntil.In(loc).Format(shiftwire.ValidUntilLayout),
			DestinationURL: hook.DestinationURL,
			CollectionName: hook.Collection,
		},
		OccurredAt: n.OccurredAt.UTC().Format(time.RFC3339Nano),
	}
	if n.Event == shiftwire.WebhookDisabledNotice {
		body.Webhook.Status, body.Webhook.DisabledReason = shiftwire.WebhookDisabled, n.Reason
	}
	return json.Marshal(body)
}

// noticeMessageID is a notice's webhook-id: the same on every retry of the notice.
func noticeMessageID(n *shiftwire.Notice) string {
	return "msg_" + strings.ReplaceAll(n.WebhookID, "-", "") + "_notice_" + strconv.FormatInt(n.ID, 10)
}

// sendNotices queues the ExpiringSoon notices that are due, then claims due lifecycle
// notices and sends them, a round of at most noticeBatch at a time, until none is due or ctx
// ends. A round once claimed is sent and written back even when ctx ends meanwhile, each
// request bounded by the delivery timeout, so a shutdown waits for one round at most.
func (e *Engine) sendNotices(ctx context.Context) {
	now := e.now()
	if n, err := e.store.QueueExpiryNotices(ctx, now.Add(e.cfg.ExpiryNotice), now); err != nil {
		e.log.Error("queue expiry notices", "err", err)
	} else if n > 0 {
		e.log.Info("webhooks expiring soon", "count", n)
	}
	work := context.WithoutCancel(ctx)
	for ctx.Err() == nil {
		now := e.now()
		ns, err := e.store.ClaimNotices(ctx, now, now.Add(e.cfg.Lease), noticeBatch)
		if err != nil {
			if ctx.Err() == nil {
				e.log.Error("claim notices", "err", err)
			}
			return
		}
		if len(ns) == 0 {
			return
		}
		results := make([]shiftwire.NoticeCompletion, len(ns))
		sent := make([]bool, len(ns))
		var wg sync.WaitGroup
		for i, n := range ns {
			wg.Go(func() { results[i], sent[i] = e.sendNotice(work, n) })
		}
		wg.Wait()
		var completions []shiftwire.NoticeCompletion
		for i, ok := range sent {
			if ok {
				completions = append(completions, results[i])
			}
		}
		if err := e.store.CompleteNotices(work, completions); err != nil {
			e.log.Error("complete notices", "err", err)
			return
		}
	}
}

// sendNotice makes one attempt to send notice n and returns its outcome. A notice is
// retried on the events' schedule while it is younger than --disable-after, then given up.
// ok is false when the webhook could not be read for a passing reason: the notice is left
// to its lease, and claimed again when the lease runs out.
func (e *Engine) sendNotice(ctx context.Context, n *shiftwire.Notice) (c shiftwire.NoticeCompletion, ok bool) {
	start := e.now()
	c = shiftwire.NoticeCompletion{Notice: n.ID, Lease: n.Lease, Attempt: shiftwire.Attempt{
		ID: shiftwire.NewID(start), WebhookID: n.WebhookID, TenantID: n.TenantID, AttemptedAt: start, Attempt: n.Attempt + 1,
	}}
	info, err := e.webhook(ctx, n.WebhookID)
	if err != nil && shiftwire.ErrorCodeOf(err) != shiftwire.ENotFound {
		e.log.Error("load webhook for a lifecycle notice", "webhook", n.WebhookID, "event", n.Event, "err", err)
		return c, false
	}
	if err == nil && info.hook.LifecycleURL == "" {
		err = shiftwire.NotFound("the webhook has no lifecycle URL")
	}
	var body []byte
	if err == nil {
		body, err = noticeBody(n, info.hook, info.location)
	}
	if err != nil {
		// Nothing can ever be sent: record why and give the notice up.
		e.log.Error("lifecycle notice given up", "webhook", n.WebhookID, "event", n.Event, "err", err)
		c.Attempt.Outcome, c.Attempt.Error, c.Done = shiftwire.OutcomeFailed, "the notice cannot be sent: "+err.Error(), true
		return c, true
	}
	header, respBody, end, result := e.post(ctx, info.signersAt(start), info.hook.LifecycleURL, noticeMessageID(n), start, body)
	e.observer.Noticed(n.Event, result.Outcome)
	a := &c.Attempt
	a.Duration, a.StatusCode, a.Outcome, a.Error = end.Sub(start), result.StatusCode, result.Outcome, result.Err
	a.RequestHeaders, a.RequestBody, a.ResponseBody = flatten(header), body, respBody
	if result.Outcome == shiftwire.OutcomeSucceeded {
		c.Done = true
		return c, true
	}
	next := NextAttempt(a.Attempt, end, result.RetryAfter, e.jitter)
	if result.Gone || next.Sub(n.OccurredAt) > e.cfg.DisableAfter {
		c.Done = true
		e.log.Warn("lifecycle notice given up", "tenant", info.tenant, "webhook", n.WebhookID, "event", n.Event,
			"outcome", result.Outcome, "statusCode", result.StatusCode, "attempt", a.Attempt)
		return c, true
	}
	a.NextAttemptAt = next
	e.log.Warn("lifecycle notice failed", "tenant", info.tenant, "webhook", n.WebhookID, "event", n.Event,
		"outcome", result.Outcome, "statusCode", result.StatusCode, "error", result.Err, "attempt", a.Attempt, "nextAttemptAt", next)
	return c, true
}

package delivery

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/signing"
)

// send makes one attempt of r and returns its completion; ok is false when there is nothing
// to write back (the webhook is gone or disabled, or its leases were released).
func (e *Engine) send(ctx context.Context, r *request) (shiftwire.Completion, bool) {
	ids := make([]int64, len(r.deliveries))
	for i, d := range r.deliveries {
		ids[i] = d.ID
	}
	info, err := e.webhook(ctx, r.deliveries[0].WebhookID)
	if err != nil {
		if shiftwire.ErrorCodeOf(err) != shiftwire.ENotFound {
			e.log.Error("load webhook", "webhook", r.deliveries[0].WebhookID, "err", err)
			e.release(r.deliveries[0].Lease, ids)
		}
		return shiftwire.Completion{}, false
	}
	hook := info.hook
	if !hook.Enabled() {
		return shiftwire.Completion{}, false // disabling emptied its queue already
	}
	if hook.ExpiredAt(e.now()) {
		if _, err := e.store.ExpireWebhooks(ctx, e.now()); err != nil {
			e.log.Error("expire webhooks", "err", err)
		}
		e.forget(hook.ID)
		return shiftwire.Completion{}, false
	}

	events, err := e.renderEvents(ctx, hook, r.deliveries)
	if err != nil {
		e.log.Error("render events", "webhook", hook.ID, "err", err)
		e.release(r.deliveries[0].Lease, ids)
		return shiftwire.Completion{}, false
	}
	body := requestBody(events, hook.BatchSize > 0)
	msgID := messageID(hook, r.deliveries)

	start := e.now()
	header, respBody, end, result := e.post(ctx, info.signersAt(start), hook.DestinationURL, msgID, start, body)
	return e.completion(info, r.deliveries, start, end, result, body, header, respBody), true
}

// post makes one signed request of body to dest, through the engine's SSRF-checked client,
// and classifies its outcome. It returns the headers sent, nil when no request could be
// made, the start of the response body and the time the attempt ended.
func (e *Engine) post(ctx context.Context, signers []*signing.Signer, dest, msgID string, start time.Time, body []byte) (http.Header, []byte, time.Time, Result) {
	timestamp := strconv.FormatInt(start.Unix(), 10)
	signature := signing.SignWith(nil, signers, msgID, start.Unix(), body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dest, bytes.NewReader(body))
	if err != nil {
		// The URL was validated at creation; a URL that no longer parses fails like a
		// destination that cannot be reached.
		return nil, nil, start, Result{Outcome: shiftwire.OutcomeConnectionFailed, Err: "invalid destination URL"}
	}
	req.Header = http.Header{
		"Content-Type":      {"application/json"},
		"User-Agent":        {e.cfg.UserAgent},
		"Webhook-Id":        {msgID},
		"Webhook-Timestamp": {timestamp},
		"Webhook-Signature": {string(signature)},
	}
	attemptCtx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	resp, err := e.client.Do(req.WithContext(attemptCtx))
	var respBody []byte
	if err == nil {
		respBody, _ = io.ReadAll(io.LimitReader(resp.Body, shiftwire.MaxRecordedResponse))
		// Drain a little more so the connection can be reused, then let it go.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
	end := e.now()
	return req.Header, respBody, end, Classify(resp, err, end)
}

// completion turns the result of an attempt into what is written back: the attempt record,
// the next attempt, holding the webhook while its destination is down, and disabling.
func (e *Engine) completion(info *hookInfo, ds []*shiftwire.Delivery, start, end time.Time, result Result,
	body []byte, header http.Header, respBody []byte) shiftwire.Completion {
	hook := info.hook
	attempt := 0
	ids := make([]int64, len(ds))
	versions := make([]shiftwire.ChangeVersion, len(ds))
	for i, d := range ds {
		ids[i], versions[i] = d.ID, d.Version
		attempt = max(attempt, d.Attempt+1)
	}
	c := shiftwire.Completion{
		Deliveries: ids,
		Lease:      ds[0].Lease,
		Succeeded:  result.Outcome == shiftwire.OutcomeSucceeded,
		Attempt: shiftwire.Attempt{
			ID:             shiftwire.NewID(start),
			WebhookID:      hook.ID,
			TenantID:       hook.TenantID,
			AttemptedAt:    start,
			Duration:       end.Sub(start),
			StatusCode:     result.StatusCode,
			Outcome:        result.Outcome,
			Error:          result.Err,
			ChangeVersions: versions,
			Attempt:        attempt,
			RequestHeaders: flatten(header),
			RequestBody:    body,
			ResponseBody:   respBody,
		},
	}
	e.observer.Attempted(result.Outcome)
	if c.Succeeded {
		for _, d := range ds {
			e.observer.Delivered(end.Sub(d.CommittedAt))
		}
		e.setProbing(hook.ID, false)
		return c
	}

	c.Attempt.NextAttemptAt = NextAttempt(attempt, end, result.RetryAfter, e.jitter)
	down := destinationDown(result)
	if down {
		c.HoldWebhookUntil = c.Attempt.NextAttemptAt
	}
	e.setProbing(hook.ID, down)
	failingSince := hook.FailingSince
	if failingSince.IsZero() {
		failingSince = start
	}
	reason, disable := ShouldDisable(hook, result, failingSince, end, e.cfg.DisableAfter)
	if disable {
		c.Disable = reason
		c.Attempt.NextAttemptAt = time.Time{}
		e.forget(hook.ID)
	}
	attrs := []slog.Attr{
		slog.String("tenant", info.tenant),
		slog.String("webhook", hook.ID),
		slog.String("outcome", string(result.Outcome)),
		slog.Int("statusCode", result.StatusCode),
		slog.String("error", result.Err),
		slog.Int("attempt", attempt),
		slog.Int("events", len(ds)),
	}
	if !c.Attempt.NextAttemptAt.IsZero() {
		attrs = append(attrs, slog.Time("nextAttemptAt", c.Attempt.NextAttemptAt))
	}
	e.log.LogAttrs(context.Background(), slog.LevelWarn, "delivery failed", attrs...)
	if disable {
		e.log.Warn("webhook disabled", "tenant", info.tenant, "webhook", hook.ID, "reason", reason)
	}
	return c
}

// destinationDown reports whether a failure says the destination as a whole cannot take
// requests now, rather than refusing one event: then the webhook's other events wait too.
func destinationDown(r Result) bool {
	switch r.Outcome {
	case shiftwire.OutcomeConnectionFailed, shiftwire.OutcomeTimedOut:
		return true
	}
	return r.StatusCode == http.StatusTooManyRequests || r.StatusCode == http.StatusServiceUnavailable
}

// flatten keeps one value per header, as the debugging endpoints show them.
func flatten(h http.Header) map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}

// release hands claimed deliveries back to the queue, due at once, unless another claim
// has taken them over.
func (e *Engine) release(lease shiftwire.Lease, ids []int64) {
	if err := e.store.ReleaseLeases(context.Background(), lease, ids); err != nil {
		e.log.Error("release leases", "err", err)
	}
}

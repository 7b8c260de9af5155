package delivery

import (
	"context"
	"time"

	"github.com/shiftwire/shiftwire"
)

// request is one POST to a destination: one delivery, or up to BatchSize in batch mode.
type request struct {
	hook       *hookInfo
	deliveries []*shiftwire.Delivery
}

// claimAndSend claims due deliveries within the concurrency limits and starts sending them
// under sendCtx. It returns how many it claimed and whether the claim was full and took
// something, meaning more is probably due and may be taken now. A full claim that took
// nothing found only work that waits for a request slot, which a completion frees.
func (e *Engine) claimAndSend(ctx, sendCtx context.Context) (int, bool, error) {
	now := e.now()
	e.mu.Lock()
	room := e.cfg.MaxInFlight - e.total
	var exclude []string
	for id := range e.unrecorded {
		if e.full(id) {
			exclude = append(exclude, id)
		}
	}
	ceiling := e.claimCeiling(now)
	e.mu.Unlock()
	if room <= 0 {
		// Every slot is taken: the next completion wakes the loop.
		return 0, false, nil
	}

	var reqs []*request
	candidates := 0
	limit := e.claimLimit
	claimed, err := e.store.ClaimDeliveries(ctx, shiftwire.ClaimQuery{
		Now:        now,
		LeaseUntil: now.Add(e.cfg.Lease),
		Limit:      limit,
		Exclude:    exclude,
		Pick: func(ds []*shiftwire.Delivery) []*shiftwire.Delivery {
			candidates = len(ds)
			var picked []*shiftwire.Delivery
			reqs, picked = e.pick(ds, room)
			return picked
		},
	})
	if err != nil {
		// Nothing was leased: give back the request slots pick reserved, or the webhooks
		// would keep them for good. A claim can fail after picking, on a lost connection to
		// a database server for one.
		for _, r := range reqs {
			e.finished(r.deliveries[0].WebhookID)
			e.recorded(r.deliveries[0].WebhookID)
		}
		return 0, false, err
	}
	e.adaptClaimLimit(candidates, len(claimed), ceiling)
	for _, r := range reqs {
		e.start(sendCtx, r)
	}
	return len(claimed), candidates == limit && len(claimed) > 0, nil
}

// minClaimLimit is the fewest candidates a claim considers.
const minClaimLimit = 32

// adaptClaimLimit sizes the next claim from this one. Reading candidates costs the database
// work whether they are picked or not, and most go unpicked when the due work belongs to a few
// webhooks at their concurrency limit; so the limit halves while less than a quarter of a full
// claim is picked, and doubles, up to ceiling, while most of it is.
func (e *Engine) adaptClaimLimit(candidates, picked, ceiling int) {
	switch {
	case candidates == e.claimLimit && picked < candidates/4:
		e.claimLimit = max(e.claimLimit/2, minClaimLimit)
	case picked > candidates*3/4:
		e.claimLimit = min(e.claimLimit*2, ceiling)
	case e.claimLimit > ceiling:
		e.claimLimit = ceiling
	}
}

// claimCeiling is the most candidates a claim may consider: ClaimBatch, or as many as fill
// one request of every webhook sent to lately, up to four times ClaimBatch. Due deliveries
// come interleaved across webhooks, one change after another, and a claim opens one request
// a webhook: with 100 webhooks in batch mode at 100 events a request, a claim of 4,000 would
// send requests of 40. A webhook counts while its cached copy is fresh: one that is sent to
// is read again every hookTTL, one deleted or idle drops out. Callers hold e.mu.
func (e *Engine) claimCeiling(now time.Time) int {
	fill := 0
	for _, info := range e.hooks {
		if now.Sub(info.loadedAt) < hookTTL {
			fill += max(1, info.hook.BatchSize)
		}
	}
	return min(max(e.cfg.ClaimBatch, fill), 4*e.cfg.ClaimBatch)
}

// pick groups candidates into requests, at most room of them, within each webhook's free
// concurrency and the untrusted webhooks' share of the slots, and reserves their slots. It
// runs inside the claim transaction, so it only looks at memory.
func (e *Engine) pick(ds []*shiftwire.Delivery, room int) ([]*request, []*shiftwire.Delivery) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var reqs []*request
	var picked []*shiftwire.Delivery
	open := map[string]*request{} // the batch request of each batch-mode webhook being filled
	untrustedRoom := e.untrustedSlots() - e.untrustedInFlight()
	for _, d := range ds {
		info := e.hooks[d.WebhookID]
		batch := 1
		if info != nil && info.hook.BatchSize > 0 {
			batch = info.hook.BatchSize
		}
		if r := open[d.WebhookID]; r != nil && len(r.deliveries) < batch {
			r.deliveries = append(r.deliveries, d)
			picked = append(picked, d)
			continue
		}
		if len(reqs) >= room || e.full(d.WebhookID) {
			continue
		}
		if !e.trusted(d.WebhookID) {
			if untrustedRoom <= 0 {
				continue
			}
			untrustedRoom--
		}
		r := &request{hook: info, deliveries: []*shiftwire.Delivery{d}}
		reqs = append(reqs, r)
		picked = append(picked, d)
		e.inflight[d.WebhookID]++
		e.unrecorded[d.WebhookID]++
		e.total++
		if batch > 1 {
			open[d.WebhookID] = r
		}
	}
	return reqs, picked
}

// Request slots are shared fairly between destinations that answer and those that may hang.
//
// A webhook is trusted once its destination has answered a request of this process (any
// HTTP response, 2xx or not), and until it fails as a destination that is down (a timeout, a
// refused connection, 429 or 503). An untrusted webhook may have one request in flight, and
// all of them together at most three quarters of MaxInFlight. So destinations that hang
// until the timeout hold one slot each, never their whole concurrency, and however many
// there are, a quarter of the slots stays free for the destinations that answer.

// limitOf is the number of requests a webhook may have in flight: the configured
// concurrency, or one while its destination has not answered or is down. Callers hold e.mu.
func (e *Engine) limitOf(webhookID string) int {
	if !e.trusted(webhookID) {
		return 1
	}
	return e.cfg.Concurrency
}

// trusted reports whether a webhook's destination answered and is not down. Callers hold
// e.mu.
func (e *Engine) trusted(webhookID string) bool {
	return e.answered[webhookID] && !e.probing[webhookID]
}

// untrustedSlots is how many requests untrusted webhooks may have in flight together.
func (e *Engine) untrustedSlots() int {
	return max(1, e.cfg.MaxInFlight-e.cfg.MaxInFlight/4)
}

// untrustedInFlight counts the requests in flight of untrusted webhooks. Callers hold e.mu.
func (e *Engine) untrustedInFlight() int {
	n := 0
	for id, k := range e.inflight {
		if !e.trusted(id) {
			n += k
		}
	}
	return n
}

// full reports whether a webhook takes no new request now: it has its limit of requests in
// flight, or twice that many sent whose outcomes are not written yet. The second bound is
// what a crash can send twice. Callers hold e.mu.
func (e *Engine) full(webhookID string) bool {
	limit := e.limitOf(webhookID)
	return e.inflight[webhookID] >= limit || e.unrecorded[webhookID] >= 2*limit
}

// start sends r in its own goroutine and hands the outcome to the completer.
func (e *Engine) start(ctx context.Context, r *request) {
	e.sends.Add(1)
	go func() {
		defer e.sends.Done()
		id := r.deliveries[0].WebhookID
		c, ok := e.send(ctx, r)
		if !ok {
			e.finished(id)
			e.recorded(id)
			return
		}
		// A success ends its request at once: the delivery stays leased until its outcome is
		// written, so nothing can claim it meanwhile. A failure ends its request only once
		// written, or the next claim would not see the retry's time or a hold on the webhook.
		if c.Succeeded {
			e.finished(id)
			e.signal()
		}
		e.completions <- c
	}()
}

// finished ends a request in flight of a webhook.
func (e *Engine) finished(webhookID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.inflight[webhookID]--
	if e.inflight[webhookID] <= 0 {
		delete(e.inflight, webhookID)
	}
	e.total--
}

// recorded notes that the outcomes of requests of the given webhooks, one per id, are
// written (or that there was nothing to write).
func (e *Engine) recorded(webhookIDs ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, id := range webhookIDs {
		e.unrecorded[id]--
		if e.unrecorded[id] <= 0 {
			delete(e.unrecorded, id)
		}
	}
}

// webhook returns the webhook a delivery is for, from the cache when it is fresh.
func (e *Engine) webhook(ctx context.Context, id string) (*hookInfo, error) {
	now := e.now()
	e.mu.Lock()
	info := e.hooks[id]
	e.mu.Unlock()
	if info != nil && now.Sub(info.loadedAt) < hookTTL {
		return info, nil
	}
	hook, err := e.store.WebhookByID(ctx, id)
	if err != nil {
		return nil, err
	}
	tenant, err := e.store.Tenant(ctx, hook.TenantID)
	if err != nil {
		return nil, err
	}
	info = newHookInfo(hook, tenant, now)
	e.mu.Lock()
	e.hooks[id] = info
	e.mu.Unlock()
	return info, nil
}

// forget drops a webhook from the cache, so its next use reads it again.
func (e *Engine) forget(id string) {
	e.mu.Lock()
	delete(e.hooks, id)
	delete(e.probing, id)
	delete(e.answered, id)
	e.mu.Unlock()
}

// setProbing records whether a webhook's destination is down. One that is not down
// answered.
func (e *Engine) setProbing(id string, down bool) {
	e.mu.Lock()
	if down {
		e.probing[id] = true
	} else {
		delete(e.probing, id)
		e.answered[id] = true
	}
	e.mu.Unlock()
}

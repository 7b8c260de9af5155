package delivery

import (
	"context"
	"time"

	"github.com/shiftwire/shiftwire"
)

// Completions are written back in batches: one transaction for many attempts keeps the
// database work per event small.
const (
	completeBatch = 512
	completeDelay = 2 * time.Millisecond
)

// completeLoop writes completions back as they arrive, batching those that arrive within
// completeDelay of each other, until the channel is closed.
func (e *Engine) completeLoop() {
	ctx := context.Background()
	var batch []shiftwire.Completion
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	flush := func() {
		if err := e.complete(ctx, batch); err != nil {
			e.log.Error("write delivery outcomes", "err", err, "attempts", len(batch))
		}
		batch = batch[:0]
	}
	for {
		select {
		case c, ok := <-e.completions:
			if !ok {
				flush()
				return
			}
			if len(batch) == 0 {
				timer.Reset(completeDelay)
			}
			batch = append(batch, c)
			if len(batch) >= completeBatch {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

// complete writes a batch back and wakes the claimer: the next changes of the objects just
// delivered are now due.
func (e *Engine) complete(ctx context.Context, batch []shiftwire.Completion) error {
	if len(batch) == 0 {
		return nil
	}
	// A failed write is tried again a few times: giving up means the deliveries are sent
	// again when their leases run out.
	var err error
	for wait := 50 * time.Millisecond; ; wait *= 2 {
		if err = e.store.CompleteDeliveries(ctx, batch); err == nil || wait > time.Second || ctx.Err() != nil {
			break
		}
		time.Sleep(wait)
	}
	ids := make([]string, len(batch))
	for i, c := range batch {
		ids[i] = c.Attempt.WebhookID
		if !c.Succeeded {
			e.finished(c.Attempt.WebhookID)
		}
	}
	e.recorded(ids...)
	if err != nil {
		// The leases run out and the deliveries are tried again: at least once, never lost.
		return err
	}
	e.signal()
	return nil
}

package console

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Backlogs counts the queued deliveries of every webhook. The stores implement it with one
// grouped read of the queue.
type Backlogs interface {
	WebhookBacklogs(ctx context.Context) (map[string]int64, error)
}

// BacklogHistory keeps samples of every webhook's backlog for the charts, in memory. The
// queue holds no history, so the console samples it: each instance keeps its own samples of
// the one shared queue, so every instance draws the same chart once it has run for the
// chart's span. Only webhooks with a backlog take room in a sample.
type BacklogHistory struct {
	src  Backlogs
	keep time.Duration

	mu      sync.Mutex
	samples []backlogSample // oldest first
}

type backlogSample struct {
	at     time.Time
	counts map[string]int64
}

// Point is one sample of one webhook's backlog.
type Point struct {
	At      time.Time
	Backlog int64
}

// NewBacklogHistory returns a history of src's backlogs that keeps samples for keep.
func NewBacklogHistory(src Backlogs, keep time.Duration) *BacklogHistory {
	return &BacklogHistory{src: src, keep: keep}
}

// Sample reads every webhook's backlog once, as of now, and forgets samples older than the
// history keeps.
func (h *BacklogHistory) Sample(ctx context.Context, now time.Time) error {
	counts, err := h.src.WebhookBacklogs(ctx)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.samples = append(h.samples, backlogSample{at: now, counts: counts})
	drop := 0
	for drop < len(h.samples) && now.Sub(h.samples[drop].at) > h.keep {
		drop++
	}
	h.samples = append(h.samples[:0], h.samples[drop:]...)
	return nil
}

// Run samples at once and then at every tick until ctx ends. A failed read is logged and the
// chart has a gap there.
func (h *BacklogHistory) Run(ctx context.Context, tick <-chan time.Time, now func() time.Time, log *slog.Logger) {
	for {
		if err := h.Sample(ctx, now()); err != nil && ctx.Err() == nil {
			log.Warn("console: sampling the backlog failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
	}
}

// Series returns the samples of webhook id taken since since, oldest first; a webhook
// missing from a sample had no backlog then.
func (h *BacklogHistory) Series(id string, since time.Time) []Point {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Point
	for _, s := range h.samples {
		if !s.at.Before(since) {
			out = append(out, Point{At: s.at, Backlog: s.counts[id]})
		}
	}
	return out
}

package shiftwire

import (
	"fmt"
	"time"
)

// WebhookStats is what an operator needs to know of one webhook's deliveries beyond the
// webhook itself: how much waits, when the destination last took an event, and how often it
// failed lately. The console shows it beside each webhook.
type WebhookStats struct {
	// Backlog is how many deliveries are queued now, retries and those in flight included.
	Backlog int64
	// LastSuccessAt is the newest successful attempt to deliver events; zero when none is
	// recorded (attempts are kept for --delivery-log-retention).
	LastSuccessAt time.Time
	// Attempts counts the attempts to deliver events made since the time asked for, and
	// Failures those of them that did not succeed. Pings and lifecycle notices, which carry
	// no event and do not go to the destination's queue, are left out of both figures.
	Attempts, Failures int64
}

// FailureRate is the share of recent attempts that failed, between 0 and 1; ok is false when
// there were none, so that no attempts does not read as no failures.
func (s WebhookStats) FailureRate() (rate float64, ok bool) {
	if s.Attempts == 0 {
		return 0, false
	}
	return float64(s.Failures) / float64(s.Attempts), true
}

// FirstIDAt returns the smallest id NewID can return at t: ids sort in time order, so
// "attempts since t" is a range of ids on an index that holds no time.
func FirstIDAt(t time.Time) string {
	ms := uint64(max(t.UnixMilli(), 0))
	return fmt.Sprintf("%08x-%04x-0000-0000-000000000000", ms>>16, ms&0xFFFF)
}

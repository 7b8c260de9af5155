package delivery

import (
	"time"

	"github.com/shiftwire/shiftwire"
)

// DefaultDisableAfter is how long a destination may fail without a single success before
// its webhook is disabled as Unreachable (--disable-after).
const DefaultDisableAfter = 72 * time.Hour

// ShouldDisable decides, after an attempt with result r at now, whether webhook w must be
// disabled, and why:
//
//   - Expired when validUntil has passed, whatever the attempt did;
//   - Gone when the destination answered 410, at once;
//   - Unreachable when the attempt failed and the destination has had no success for
//     disableAfter (DefaultDisableAfter when zero or less). lastSuccessOrCreated is the time
//     of the last 2xx, or w's creation when it never succeeded; w.CreatedAt is used when it
//     is zero.
//
// A webhook that is already disabled keeps its reason, so ShouldDisable reports false. A
// zero Result, meaning no attempt was made, checks expiry only.
func ShouldDisable(w *shiftwire.Webhook, r Result, lastSuccessOrCreated time.Time, now time.Time, disableAfter time.Duration) (shiftwire.DisabledReason, bool) {
	switch {
	case !w.Enabled():
		return "", false
	case w.ExpiredAt(now):
		return shiftwire.DisabledExpired, true
	case r.Outcome == "" || r.Outcome == shiftwire.OutcomeSucceeded:
		return "", false
	case r.Gone:
		return shiftwire.DisabledGone, true
	}
	if disableAfter <= 0 {
		disableAfter = DefaultDisableAfter
	}
	since := lastSuccessOrCreated
	if since.IsZero() {
		since = w.CreatedAt
	}
	if !now.Before(since.Add(disableAfter)) {
		return shiftwire.DisabledUnreachable, true
	}
	return "", false
}

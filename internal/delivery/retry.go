package delivery

import (
	"math"
	"slices"
	"time"
)

// retryDelays holds the waits of SPEC section 8: retryDelays[i] follows the failure of
// attempt i+1, and the last one repeats until the webhook is disabled or expires. There is
// no attempt limit: --disable-after and validUntil end the retries instead.
var retryDelays = [...]time.Duration{
	5 * time.Second,
	30 * time.Second,
	2 * time.Minute,
	10 * time.Minute,
	30 * time.Minute,
	time.Hour,
	3 * time.Hour,
}

// RetryJitter is the largest share by which NextAttempt moves a delay either way, so that
// events that failed together, as when a destination was down, do not all return together.
const RetryJitter = 0.2

// RetryDelays returns the base delays in order, without jitter; the last one repeats for
// ever. It exists for documentation and tests; NextAttempt is the rule.
func RetryDelays() []time.Duration { return slices.Clone(retryDelays[:]) }

// BaseDelay returns the wait, before jitter, after attempt number attempt (1-based) failed.
// Attempts below 1 count as 1.
func BaseDelay(attempt int) time.Duration {
	i := min(max(attempt, 1), len(retryDelays)) - 1
	return retryDelays[i]
}

// NextAttempt returns when to try an event again after attempt number attempt (1-based)
// failed at now: BaseDelay(attempt) scaled by a factor between 1-RetryJitter and
// 1+RetryJitter drawn from jitter and rounded to the millisecond, or retryAfter when the
// destination asked for longer (capped at MaxRetryAfter, and not jittered: it is the
// destination's own figure). jitter returns a value in [0,1), such as
// math/rand/v2.Float64; values outside are clamped, and a nil jitter means no jitter.
func NextAttempt(attempt int, now time.Time, retryAfter time.Duration, jitter func() float64) time.Time {
	j := 0.5
	if jitter != nil {
		j = jitter()
		if math.IsNaN(j) {
			j = 0.5
		}
		j = min(max(j, 0), 1)
	}
	// Rounding keeps float error out of stored times and out of the tests.
	d := time.Duration(float64(BaseDelay(attempt)) * (1 + RetryJitter*(2*j-1))).Round(time.Millisecond)
	if retryAfter = min(retryAfter, MaxRetryAfter); retryAfter > d {
		d = retryAfter
	}
	return now.Add(d)
}

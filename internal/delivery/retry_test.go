package delivery

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func fixed(v float64) func() float64 { return func() float64 { return v } }

func TestRetryDelays(t *testing.T) {
	want := []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour, 3 * time.Hour}
	got := RetryDelays()
	if !slices.Equal(got, want) {
		t.Fatalf("RetryDelays() = %v, want %v", got, want)
	}
	got[0] = time.Hour // a copy: the schedule itself must not change
	if BaseDelay(1) != 5*time.Second {
		t.Fatal("changing RetryDelays' result changed the schedule")
	}
	for attempt, want := range map[int]time.Duration{
		-1: 5 * time.Second, 0: 5 * time.Second, 1: 5 * time.Second, 2: 30 * time.Second,
		3: 2 * time.Minute, 4: 10 * time.Minute, 5: 30 * time.Minute, 6: time.Hour,
		7: 3 * time.Hour, 8: 3 * time.Hour, 1000: 3 * time.Hour, math.MaxInt: 3 * time.Hour,
	} {
		if got := BaseDelay(attempt); got != want {
			t.Errorf("BaseDelay(%d) = %v, want %v", attempt, got, want)
		}
	}
}

func TestNextAttempt(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		attempt    int
		retryAfter time.Duration
		jitter     func() float64
		want       time.Duration
	}{
		// No jitter: the base schedule.
		{1, 0, fixed(0.5), 5 * time.Second},
		{2, 0, fixed(0.5), 30 * time.Second},
		{3, 0, fixed(0.5), 2 * time.Minute},
		{4, 0, fixed(0.5), 10 * time.Minute},
		{5, 0, fixed(0.5), 30 * time.Minute},
		{6, 0, fixed(0.5), time.Hour},
		{7, 0, fixed(0.5), 3 * time.Hour},
		{50, 0, fixed(0.5), 3 * time.Hour},
		{1, 0, nil, 5 * time.Second},

		// Jitter spans -20 % to +20 %.
		{1, 0, fixed(0), 4 * time.Second},
		{1, 0, fixed(0.75), 5500 * time.Millisecond},
		{2, 0, fixed(0.25), 27 * time.Second},
		{7, 0, fixed(0), 144 * time.Minute},
		{7, 0, fixed(0.999999), 216*time.Minute - 4*time.Millisecond},

		// Out-of-range jitter is clamped.
		{1, 0, fixed(-3), 4 * time.Second},
		{1, 0, fixed(7), 6 * time.Second},
		{1, 0, fixed(math.NaN()), 5 * time.Second},
		{1, 0, fixed(math.Inf(1)), 6 * time.Second},

		// Retry-After wins only when longer.
		{1, 2 * time.Second, fixed(0.5), 5 * time.Second},
		{1, 90 * time.Second, fixed(0.5), 90 * time.Second},
		{1, 90 * time.Second, fixed(0.999), 90 * time.Second}, // not jittered
		{7, 2 * time.Hour, fixed(0.5), 3 * time.Hour},
		{7, 5 * time.Hour, fixed(0.5), 5 * time.Hour},
		{7, 48 * time.Hour, fixed(0.5), MaxRetryAfter},
		{1, -time.Hour, fixed(0.5), 5 * time.Second},
	} {
		got := NextAttempt(tc.attempt, now, tc.retryAfter, tc.jitter).Sub(now)
		if got != tc.want {
			t.Errorf("NextAttempt(%d, retryAfter %v) = now+%v, want now+%v", tc.attempt, tc.retryAfter, got, tc.want)
		}
	}
}

// TestNextAttemptJitterBounds draws real random jitter and checks every delay stays within
// ±20 % of the base.
func TestNextAttemptJitterBounds(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	r := rand.New(rand.NewPCG(1, 2))
	for attempt := 1; attempt <= 10; attempt++ {
		base := BaseDelay(attempt)
		lo, hi := time.Duration(float64(base)*0.8), time.Duration(float64(base)*1.2)
		var seenLow, seenHigh bool
		for range 1000 {
			d := NextAttempt(attempt, now, 0, r.Float64).Sub(now)
			if d < lo || d > hi {
				t.Fatalf("attempt %d: delay %v outside [%v, %v]", attempt, d, lo, hi)
			}
			seenLow = seenLow || d < base*9/10
			seenHigh = seenHigh || d > base*11/10
		}
		if !seenLow || !seenHigh {
			t.Errorf("attempt %d: jitter does not spread the delays", attempt)
		}
	}
}

package bench

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// subBuckets is the number of buckets per power of two: values are kept to within 1/64
// (about 1.6 %) of what they were, which is plenty for latency percentiles, while recording
// stays one atomic add into a fixed array, safe from any number of receivers at once.
const (
	subBits    = 6
	subBuckets = 1 << subBits
	maxBuckets = (64 - subBits + 1) * subBuckets
)

// Histogram records durations, in microseconds, for percentiles. The zero value is ready.
type Histogram struct {
	counts [maxBuckets]atomic.Int64
	n      atomic.Int64
	max    atomic.Int64
}

func bucketOf(v uint64) int {
	if v < subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1
	return (shift+1)*subBuckets + int(v>>shift) - subBuckets
}

// lowest returns the smallest value of bucket i.
func lowest(i int) uint64 {
	if i < subBuckets {
		return uint64(i)
	}
	shift := i/subBuckets - 1
	return uint64(i%subBuckets+subBuckets) << shift
}

// Observe records d; negative durations count as zero.
func (h *Histogram) Observe(d time.Duration) {
	us := max(int64(d/time.Microsecond), 0)
	h.counts[bucketOf(uint64(us))].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if us <= m || h.max.CompareAndSwap(m, us) {
			return
		}
	}
}

// Count returns how many durations were observed.
func (h *Histogram) Count() int64 { return h.n.Load() }

// Max returns the largest duration observed, exactly.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) * time.Microsecond }

// Quantile returns the duration below which the fraction q of observations fall, as the
// middle of its bucket; zero when nothing was observed.
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := int64(q*float64(n) + 0.5)
	rank = min(max(rank, 1), n)
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			lo, hi := lowest(i), lowest(i+1)
			us := min(int64(lo+hi)/2, h.max.Load())
			return time.Duration(us) * time.Microsecond
		}
	}
	return h.Max()
}

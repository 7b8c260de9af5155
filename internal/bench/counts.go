package bench

import (
	"sync/atomic"
	"time"
)

// counts are the figures every tracker keeps of what its receivers got, updated from many
// receiving goroutines at once.
type counts struct {
	received      atomic.Int64 // distinct events
	duplicates    atomic.Int64
	requests      atomic.Int64
	badSignatures atomic.Int64
	unexpected    atomic.Int64 // events for an id out of range, or bodies that are not events
	first, last   atomic.Int64 // Unix nanoseconds of the first and last distinct event
}

// distinct counts one distinct event received at now (Unix nanoseconds).
func (c *counts) distinct(now int64) {
	c.received.Add(1)
	c.first.CompareAndSwap(0, now)
	for {
		l := c.last.Load()
		if now <= l || c.last.CompareAndSwap(l, now) {
			return
		}
	}
}

// stats returns the counts so far.
func (c *counts) stats() TrackerStats {
	s := TrackerStats{
		Received:      c.received.Load(),
		Duplicates:    c.duplicates.Load(),
		Requests:      c.requests.Load(),
		BadSignatures: c.badSignatures.Load(),
		Unexpected:    c.unexpected.Load(),
	}
	if ns := c.first.Load(); ns != 0 {
		s.First = time.Unix(0, ns)
	}
	if ns := c.last.Load(); ns != 0 {
		s.Last = time.Unix(0, ns)
	}
	return s
}

package shiftwire

import (
	"encoding/json"
	"math/rand/v2"
	"time"
)

// Delivery is one change on its way to one webhook: an entry of the delivery queue, together
// with the change it carries. It leaves the queue when the destination acknowledged it or
// the webhook was disabled.
type Delivery struct {
	ID            int64
	WebhookID     string
	TenantID      int64
	Version       ChangeVersion
	ObjectID      int64
	Attempt       int // attempts made so far
	NextAttemptAt time.Time
	// Lease names the claim that leased the delivery. Every write-back of its attempt is
	// conditional on it, so an instance whose lease ran out and was taken over cannot
	// complete, reschedule or release what another instance now holds.
	Lease Lease

	// The change, from the change log.
	Collection  string
	Type        ChangeType
	Data        json.RawMessage // without changeVersion; nil for a Delete
	CommittedAt time.Time
}

// ClaimQuery asks for due deliveries. Only the head of each lane (the oldest undelivered
// change of one object for one webhook) is due, so changes of one object are never in flight
// together and arrive in changeVersion order.
type ClaimQuery struct {
	Now time.Time
	// LeaseUntil is when a claimed delivery may be claimed again unless completed or released
	// before. Its next attempt moves there too: a crashed instance's work falls due when its
	// lease ends, and claimed deliveries leave the front of the due order, where every claim
	// would otherwise have to step over them.
	LeaseUntil time.Time
	Limit      int // candidates to consider
	// Exclude lists webhooks that take no more work now, such as those at their
	// concurrency limit.
	Exclude []string
	// Pick chooses, among the candidates in due order, the deliveries to lease. The others
	// stay in the queue untouched. The change a candidate carries (Collection, Type, Data,
	// CommittedAt) may be filled in only after Pick returned: a store need not read the
	// changes of the candidates it does not lease.
	Pick func(candidates []*Delivery) []*Delivery
}

// SplitOrphans splits claimed deliveries into those whose change was read and the ids of
// those whose change is gone from the change log (Collection unset). Pruning keeps the change
// of every queued delivery, but one without its change can never be sent, and left queued it
// would head every claim: stores drop the orphans in the claim that finds them. kept reuses
// the memory of ds.
func SplitOrphans(ds []*Delivery) (kept []*Delivery, orphans []int64) {
	kept = ds[:0]
	for _, d := range ds {
		if d.Collection == "" {
			orphans = append(orphans, d.ID)
		} else {
			kept = append(kept, d)
		}
	}
	return kept, orphans
}

// Lease names one claim of deliveries; the zero Lease names none.
type Lease int64

// NewLease returns a lease for a new claim: random, so that claims of several instances
// never share one.
func NewLease() Lease {
	for {
		if l := Lease(rand.Int64()); l != 0 {
			return l
		}
	}
}

// Attempt records one request to a destination, for the debugging endpoints.
type Attempt struct {
	ID             string // a GUID
	WebhookID      string
	TenantID       int64
	AttemptedAt    time.Time
	Duration       time.Duration
	StatusCode     int // 0 when no response arrived
	Outcome        Outcome
	Error          string
	ChangeVersions []ChangeVersion
	Attempt        int       // 1 for the first attempt of these changes
	NextAttemptAt  time.Time // zero when no retry follows

	RequestHeaders map[string]string // as sent, signature included; never a key
	RequestBody    []byte
	ResponseBody   []byte // the first 4 KiB
}

// DefaultRetention is how long attempt records are kept by default, and the change log at
// least as long, so that recover reaches back as far as the debugging endpoints do.
const DefaultRetention = 7 * 24 * time.Hour

// MaxRecordedResponse is how much of a response body an Attempt keeps.
const MaxRecordedResponse = 4 << 10

// Completion is the outcome of one attempt for its deliveries, written back with others in
// one transaction.
type Completion struct {
	Attempt    Attempt
	Deliveries []int64 // the queue entries the request carried
	// Lease is the lease the deliveries were claimed under. The deliveries' queue entries
	// change only while they still hold it; the attempt is recorded, and the webhook's
	// failure tracking and disabling applied, whatever it holds, since the request was made.
	Lease Lease
	// Succeeded removes the deliveries from the queue; otherwise they are due again at
	// Attempt.NextAttemptAt.
	Succeeded bool
	// HoldWebhookUntil, when set, delays every other due delivery of the webhook until then:
	// its destination is down, so trying them now would only fail.
	HoldWebhookUntil time.Time
	// Disable, when set, disables the webhook with this reason and empties its queue.
	Disable DisabledReason
	// Untracked leaves the webhook's failure tracking (FailingSince) alone: the attempt is a
	// ping, outside the webhook's queue, so its outcome says nothing about the events'.
	Untracked bool
}

// BacklogCounts counts the delivery queue by state.
type BacklogCounts struct {
	Pending  int64 // never attempted, waiting
	Retrying int64 // failed at least once, waiting for the next attempt
	Sending  int64 // leased by an instance
}

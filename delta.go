package shiftwire

import "time"

// DeltaValidity is how long a delta stays usable after its last use, as Protime's: a token
// of a delta unused for this long is 410 Gone, and the change log no longer keeps its changes.
const DeltaValidity = 72 * time.Hour

// Delta is one client's delta on one collection (SPEC section 13): the way to follow the
// changes of a collection after a full sync. One delta is active per tenant, client and
// collection; starting another retires it.
type Delta struct {
	ID         int64
	TenantID   int64
	ClientID   string
	Collection string
	// Cursor is the change version the delta's consumer has seen everything up to: the
	// change log keeps the collection's later changes while the delta is active.
	Cursor     ChangeVersion
	LastUsedAt time.Time
}

// Expired reports whether d went unused for DeltaValidity at now.
func (d *Delta) Expired(now time.Time) bool {
	return !now.Before(d.LastUsedAt.Add(DeltaValidity))
}

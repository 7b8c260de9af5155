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

// Expired reports whether d went unused for longer than DeltaValidity at now: whether it
// was last used before now - DeltaValidity, the bound pruning retires deltas by.
func (d *Delta) Expired(now time.Time) bool {
	return d.LastUsedAt.Before(now.Add(-DeltaValidity))
}

// Check reports whether a token of d at cursor may be used by clientID on collection at
// now: a delta of another client or collection, one unused for DeltaValidity, and a token
// older than the last one used are gone (410). Retired deltas are not found by the store.
func (d *Delta) Check(clientID, collection string, cursor ChangeVersion, now time.Time) error {
	switch {
	case d.ClientID != clientID || d.Collection != collection:
		return Errorf(EGone, "the delta token is not one of this client's deltas on %s", collection)
	case d.Expired(now):
		return Errorf(EGone, "the delta expired: it was not used for %d hours; start a new one with ?delta", int(DeltaValidity.Hours()))
	case cursor < d.Cursor:
		return Errorf(EGone, "the delta token was replaced by a later one; use the last deltaLink")
	}
	return nil
}

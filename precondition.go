package shiftwire

import "slices"

// Versions is a set of versions of one object, as a conditional request names them in
// If-Match or If-None-Match: Any for "*", which names whatever version the object has, or
// the versions of List. A set naming nothing (no entity tag that is a changeVersion) is the
// zero value.
type Versions struct {
	Any  bool
	List []ChangeVersion
}

// Match reports whether o, the current object (nil when there is none), has a version the
// set names. A missing object matches nothing, not even "*".
func (s *Versions) Match(o *Object) bool {
	return o != nil && (s.Any || slices.Contains(s.List, o.Version))
}

// Precondition is what a Put or Delete of an ObjectWriter requires of the object it replaces
// or deletes: HTTP's If-Match and If-None-Match. It is checked in the write's transaction,
// against the object as that transaction reads it, so no other write can come between the
// check and the write: both stores let one write transaction of a tenant run at a time. A
// write whose precondition does not hold is an EConflict Error and writes nothing. The zero
// value requires nothing.
type Precondition struct {
	// IfMatch, when not nil, requires the object to exist with a version it names.
	IfMatch *Versions
	// IfNoneMatch, when not nil, requires the object not to have a version it names: with
	// Any, not to exist.
	IfNoneMatch *Versions
}

// Check returns the EConflict Error of a request on collection's object id whose current
// object is cur (nil when missing), or nil when p holds. The ObjectWriter checks its writes'
// preconditions itself; reads check theirs with it.
func (p Precondition) Check(collection string, id int64, cur *Object) error {
	const message = "the object is not in the state the request's precondition requires"
	name := collection + " " + itoa64(id)
	switch {
	case p.IfMatch != nil && cur == nil:
		return &Error{Code: EConflict, Message: message, Reasons: []string{name + " does not exist; If-Match requires it to exist"}}
	case p.IfMatch != nil && !p.IfMatch.Match(cur):
		return &Error{Code: EConflict, Message: message, Reasons: []string{name + " has changeVersion " + cur.Version.String() + ", which If-Match does not name"}}
	case p.IfNoneMatch != nil && p.IfNoneMatch.Any && cur != nil:
		return &Error{Code: EConflict, Message: message, Reasons: []string{name + " exists; If-None-Match: * requires it not to"}}
	case p.IfNoneMatch != nil && p.IfNoneMatch.Match(cur):
		return &Error{Code: EConflict, Message: message, Reasons: []string{name + " has changeVersion " + cur.Version.String() + ", which If-None-Match names"}}
	}
	return nil
}

// checkPreconditions checks every precondition of pre against cur.
func checkPreconditions(collection string, id int64, cur *Object, pre []Precondition) error {
	for _, p := range pre {
		if err := p.Check(collection, id, cur); err != nil {
			return err
		}
	}
	return nil
}

// requiresAnything reports whether one of pre requires something.
func requiresAnything(pre []Precondition) bool {
	for _, p := range pre {
		if p.IfMatch != nil || p.IfNoneMatch != nil {
			return true
		}
	}
	return false
}

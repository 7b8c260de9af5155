package shiftwire

// The parts the dated instance collections share: breaks, counters, absences, clockings and
// the others that record something of one person on one day.

// dayFilters are the list filters of a dated instance collection, as Protime's: a date range
// of at most one year, required, and optionally the person.
func dayFilters(more ...ListFilter) []ListFilter {
	return append([]ListFilter{DateFilter("date", "date", RequiredYearRange), IDFilter("person", "person.id")}, more...)
}

// readPersonDay reads the person.id and the date an instance belongs to, both required.
func readPersonDay(f *Fields) (IDRef, string) {
	var person IDRef
	if p := readRef(f, "person", true); p != nil {
		person = *p
	}
	return person, readDate(f, "date", true)
}

// peopleEventRefs are the external references on people that events of an object with a
// person.id may carry: Protime's people references, predefined and custom.
var peopleEventRefs = ReferenceRule{Collection: People, Predefined: []string{RefBadgeNumber, RefEmployeeNumber}, Custom: true}

// customEventRefs allows custom references, and no predefined ones, on collection: what
// SPEC section 6 gives an event for each referenced collection the reference documents
// are silent on.
func customEventRefs(collection string) ReferenceRule {
	return ReferenceRule{Collection: collection, Custom: true}
}

// The limits of a few instance fields.
const (
	// maxInstanceRefs bounds the lists of references an instance holds, such as an
	// activity duration's counterDefinitions.
	maxInstanceRefs = 100
	// maxCommentLength is the longest comment, in characters: a free text note, longer
	// than a name.
	maxCommentLength = 1000
)

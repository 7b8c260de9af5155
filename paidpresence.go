package shiftwire

// PaidPresence is an object of the paid-presences collection: the paid time of a person on
// a day, one object per shift, so there may be several a day.
type PaidPresence struct {
	Base
	Person            IDRef  `json:"person"`
	Date              string `json:"date"`
	DurationInMinutes int    `json:"durationInMinutes"`
	ShiftDefinition   *IDRef `json:"shiftDefinition,omitempty"`
}

var paidPresenceType = &CollectionType{
	Name:         PaidPresences,
	Subscribable: true,
	New:          func() Record { return new(PaidPresence) },
	DecodeFields: decodePaidPresence,
	Refs: []Ref{
		{Field: "person", Collection: People},
		{Field: "shiftDefinition", Collection: ShiftDefinitions},
	},
	Filters: dayFilters(),
	// As Protime's paid-presences webhooks list them: people, and shift definitions by
	// their code.
	EventRefs: []ReferenceRule{peopleEventRefs, {Collection: ShiftDefinitions, Predefined: []string{RefShiftCode}}},
	Example:   `{"person":{"id":1},"date":"2025-01-02","durationInMinutes":480,"shiftDefinition":{"id":1}}`,
}

// decodePaidPresence reads a paid presence; person.id and date are required. The duration
// is a calculated day's presence, absences included, so it is bounded only by the integer
// range.
func decodePaidPresence(f *Fields) Record {
	p := &PaidPresence{}
	p.Person, p.Date = readPersonDay(f)
	p.DurationInMinutes, _ = readInt(f, "durationInMinutes", false, 0, MaxObjectID)
	p.ShiftDefinition = readRef(f, "shiftDefinition", false)
	return p
}

package shiftwire

// AccessClocking is an object of the access-clockings collection: a badge presented at an
// access terminal, and whether the door opened.
type AccessClocking struct {
	Base
	Person IDRef  `json:"person"`
	Date   string `json:"date"`
	// TimeOfDayInMinutes counts from midnight of Date, from 0 to 1439.
	TimeOfDayInMinutes int    `json:"timeOfDayInMinutes"`
	Terminal           *IDRef `json:"terminal,omitempty"`
	Status             string `json:"status"`
}

// The outcomes of an access clocking, as Protime's access-clockings webhooks list them.
var accessClockingStatuses = []string{"AccessOk", "AccessRefused", "WrongPinCode", "AlarmCode", "AntiPassbackError", "OutZone", "UnknownBadge"}

var accessClockingType = &CollectionType{
	Name:         AccessClockings,
	Subscribable: true,
	New:          func() Record { return new(AccessClocking) },
	DecodeFields: decodeAccessClocking,
	Refs: []Ref{
		{Field: "person", Collection: People},
		{Field: "terminal", Collection: Terminals},
	},
	Filters:   dayFilters(),
	EventRefs: []ReferenceRule{peopleEventRefs, customEventRefs(Terminals)},
	Example:   `{"person":{"id":1},"date":"2025-01-02","timeOfDayInMinutes":479,"terminal":{"id":1},"status":"AccessOk"}`,
}

// decodeAccessClocking reads an access clocking; person.id, date, timeOfDayInMinutes (0 to
// 1439, a minute of the day) and status are required. status has no Unknown in Protime, so
// there is nothing to default to.
func decodeAccessClocking(f *Fields) Record {
	a := &AccessClocking{}
	a.Person, a.Date = readPersonDay(f)
	a.TimeOfDayInMinutes, _ = readInt(f, "timeOfDayInMinutes", true, 0, 1439)
	a.Terminal = readRef(f, "terminal", false)
	a.Status, _ = readEnum(f, "status", true, accessClockingStatuses...)
	return a
}

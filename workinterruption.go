package shiftwire

// WorkInterruption is an object of the work-interruptions collection: a time a person's
// work was interrupted on a day.
type WorkInterruption struct {
	Base
	Person             IDRef  `json:"person"`
	Date               string `json:"date"`
	DurationInMinutes  int    `json:"durationInMinutes"`
	StartTimeInMinutes int    `json:"startTimeInMinutes"`
	EndTimeInMinutes   int    `json:"endTimeInMinutes"`
}

var workInterruptionType = &CollectionType{
	Name:         WorkInterruptions,
	Subscribable: true,
	New:          func() Record { return new(WorkInterruption) },
	DecodeFields: decodeWorkInterruption,
	Refs:         []Ref{{Field: "person", Collection: People}},
	Filters:      dayFilters(),
	Example:      `{"person":{"id":1},"date":"2025-01-02","durationInMinutes":45,"startTimeInMinutes":600,"endTimeInMinutes":645}`,
}

// decodeWorkInterruption reads a work interruption; person.id and date are required, times
// and the duration are 0 when omitted.
func decodeWorkInterruption(f *Fields) Record {
	w := &WorkInterruption{}
	w.Person, w.Date = readPersonDay(f)
	w.DurationInMinutes = readDurationInMinutes(f, "durationInMinutes")
	w.StartTimeInMinutes = readTimeInMinutes(f, "startTimeInMinutes")
	w.EndTimeInMinutes = readTimeInMinutes(f, "endTimeInMinutes")
	return w
}

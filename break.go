package shiftwire

// Break is an object of the breaks collection: a break a person took, or should have
// taken, on a day, of a break definition.
type Break struct {
	Base
	Person                      IDRef  `json:"person"`
	BreakDefinition             IDRef  `json:"breakDefinition"`
	Date                        string `json:"date"`
	CalculatedDurationInMinutes int    `json:"calculatedDurationInMinutes"`
	ClockedDurationInMinutes    int    `json:"clockedDurationInMinutes"`
	StartTimeInMinutes          int    `json:"startTimeInMinutes"`
	EndTimeInMinutes            int    `json:"endTimeInMinutes"`
	IsBreakTaken                bool   `json:"isBreakTaken"`
}

var breakType = &CollectionType{
	Name:         Breaks,
	Subscribable: true,
	New:          func() Record { return new(Break) },
	DecodeFields: decodeBreak,
	Refs: []Ref{
		{Field: "person", Collection: People},
		{Field: "breakDefinition", Collection: BreakDefinitions},
	},
	Filters: dayFilters(),
	Example: `{"person":{"id":1},"breakDefinition":{"id":1},"date":"2025-01-02","calculatedDurationInMinutes":30,` +
		`"clockedDurationInMinutes":28,"startTimeInMinutes":720,"endTimeInMinutes":748,"isBreakTaken":true}`,
}

// decodeBreak reads a break; person.id, breakDefinition.id and date are required. Its
// durations are at most a day, as a break definition's are.
func decodeBreak(f *Fields) Record {
	b := &Break{}
	if p := readRef(f, "person", true); p != nil {
		b.Person = *p
	}
	if d := readRef(f, "breakDefinition", true); d != nil {
		b.BreakDefinition = *d
	}
	b.Date = readDate(f, "date", true)
	b.CalculatedDurationInMinutes, _ = readInt(f, "calculatedDurationInMinutes", false, 0, maxBreakMinutes)
	b.ClockedDurationInMinutes, _ = readInt(f, "clockedDurationInMinutes", false, 0, maxBreakMinutes)
	b.StartTimeInMinutes = readTimeInMinutes(f, "startTimeInMinutes")
	b.EndTimeInMinutes = readTimeInMinutes(f, "endTimeInMinutes")
	b.IsBreakTaken, _ = f.Bool("isBreakTaken", false)
	return b
}

package shiftwire

// Assignment is an object of the assignments collection: a person's planned work from a
// date until another, at set times, on activities.
type Assignment struct {
	Base
	Person                 IDRef           `json:"person"`
	From                   string          `json:"from"`
	Until                  string          `json:"until,omitempty"` // "" while open-ended
	StartTimeInMinutes     int             `json:"startTimeInMinutes"`
	EndTimeInMinutes       int             `json:"endTimeInMinutes"`
	BreakDurationInMinutes int             `json:"breakDurationInMinutes"`
	Comments               string          `json:"comments,omitempty"`
	ActivityLevels         []ActivityLevel `json:"activityLevels,omitempty"`
}

var assignmentType = &CollectionType{
	Name:         Assignments,
	Subscribable: true,
	New:          func() Record { return new(Assignment) },
	DecodeFields: decodeAssignment,
	Refs: []Ref{
		{Field: "person", Collection: People},
		{Field: "activityLevels", Item: "activityDefinition", Collection: ActivityDefinitions},
	},
	Filters: []ListFilter{IDFilter("person", "person.id")},
	Example: `{"person":{"id":1},"from":"2025-01-06","until":"2025-01-10","startTimeInMinutes":480,"endTimeInMinutes":990,` +
		`"breakDurationInMinutes":30,"comments":"Inventory week","activityLevels":[{"level":1,"activityDefinition":{"id":1}}]}`,
}

// decodeAssignment reads an assignment; person.id and from are required, until is not
// before from, and activityLevels follow a clocking's rules (levels 1 to 99, each once).
func decodeAssignment(f *Fields) Record {
	a := &Assignment{}
	if p := readRef(f, "person", true); p != nil {
		a.Person = *p
	}
	a.From = readDate(f, "from", true)
	a.Until = readDate(f, "until", false)
	if a.From != "" && a.Until != "" && a.Until < a.From {
		f.Fail("until", "must not be before from (%s)", a.From)
	}
	a.StartTimeInMinutes = readTimeInMinutes(f, "startTimeInMinutes")
	a.EndTimeInMinutes = readTimeInMinutes(f, "endTimeInMinutes")
	a.BreakDurationInMinutes, _ = readInt(f, "breakDurationInMinutes", false, 0, maxBreakMinutes)
	a.Comments = readTextUpTo(f, "comments", false, maxCommentLength)
	a.ActivityLevels, _ = readActivityLevels(f)
	return a
}

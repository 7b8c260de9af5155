package shiftwire

// ActivityDuration is an object of the activity-durations collection: the time a person
// spent on an activity, or an absence, on a day.
type ActivityDuration struct {
	Base
	Person            IDRef                   `json:"person"`
	Date              string                  `json:"date"`
	DurationInMinutes int                     `json:"durationInMinutes"`
	ActivityLevels    []ActivityDurationLevel `json:"activityLevels,omitempty"`
	AbsenceDefinition *IDRef                  `json:"absenceDefinition,omitempty"`
	// Request is the absence request behind the duration, by Protime's string id.
	Request            *StringRef `json:"request,omitempty"`
	CounterDefinitions []IDRef    `json:"counterDefinitions,omitempty"`
	ShiftDefinition    *IDRef     `json:"shiftDefinition,omitempty"`
	Status             string     `json:"status"`
	IsAuthorized       bool       `json:"isAuthorized"`
}

// ActivityDurationLevel is one level of an activity duration's activity. Unlike a
// clocking's, its activityDefinition.id is a string, as Protime's activity-durations
// webhooks write it, kept as given.
type ActivityDurationLevel struct {
	Level              int       `json:"level"`
	ActivityDefinition StringRef `json:"activityDefinition"`
}

// The statuses of an activity duration, as Protime's activity-durations webhooks list them.
var activityDurationStatuses = []string{"Unknown", "Auto", "Manual"}

var activityDurationType = &CollectionType{
	Name:         ActivityDurations,
	Subscribable: true,
	New:          func() Record { return new(ActivityDuration) },
	DecodeFields: decodeActivityDuration,
	Refs: []Ref{
		{Field: "person", Collection: People},
		{Field: "absenceDefinition", Collection: AbsenceDefinitions},
		{Field: "counterDefinitions", Each: true, Collection: CounterDefinitions},
		{Field: "shiftDefinition", Collection: ShiftDefinitions},
	},
	Filters: dayFilters(),
	EventRefs: []ReferenceRule{peopleEventRefs, customEventRefs(AbsenceDefinitions),
		customEventRefs(CounterDefinitions), customEventRefs(ShiftDefinitions)},
	Example: `{"person":{"id":1},"date":"2025-01-02","durationInMinutes":240,"activityLevels":[{"level":1,"activityDefinition":{"id":"PRJ-100"}},` +
		`{"level":2,"activityDefinition":{"id":"PRJ-100-07"}}],"absenceDefinition":{"id":1},"request":{"id":"1-1-42"},` +
		`"counterDefinitions":[{"id":1}],"shiftDefinition":{"id":1},"status":"Manual","isAuthorized":true}`,
}

// decodeActivityDuration reads an activity duration; person.id and date are required,
// status is Unknown when omitted.
func decodeActivityDuration(f *Fields) Record {
	a := &ActivityDuration{}
	a.Person, a.Date = readPersonDay(f)
	a.DurationInMinutes = readDurationInMinutes(f, "durationInMinutes")
	a.ActivityLevels = readActivityDurationLevels(f)
	a.AbsenceDefinition = readRef(f, "absenceDefinition", false)
	a.Request = readStringRef(f, "request", false)
	a.CounterDefinitions = readRefList(f, "counterDefinitions", maxInstanceRefs)
	a.ShiftDefinition = readRef(f, "shiftDefinition", false)
	a.Status = readEnumOr(f, "status", "Unknown", activityDurationStatuses...)
	a.IsAuthorized, _ = f.Bool("isAuthorized", false)
	return a
}

// readActivityDurationLevels reads an activity duration's levels, with the rules of a
// clocking's; their activity definition ids are strings.
func readActivityDurationLevels(f *Fields) []ActivityDurationLevel {
	levels, _ := readLevels(f, func(el *Fields, level int) (ActivityDurationLevel, bool) {
		def := readStringRef(el, "activityDefinition", true)
		if def == nil {
			return ActivityDurationLevel{}, false
		}
		return ActivityDurationLevel{Level: level, ActivityDefinition: *def}, true
	})
	return levels
}

package shiftwire

// Counter is an object of the counters collection: what a counter definition counted for a
// person on a day, or over the week or pay period that ends on it.
type Counter struct {
	Base
	ShiftDefinition    *IDRef     `json:"shiftDefinition,omitempty"`
	NumberOfInstances  int        `json:"numberOfInstances"`
	Request            *StringRef `json:"request,omitempty"`
	Status             string     `json:"status"`
	IsAuthorized       bool       `json:"isAuthorized"`
	Person             IDRef      `json:"person"`
	PeriodType         string     `json:"periodType"`
	CounterDefinition  IDRef      `json:"counterDefinition"`
	Date               string     `json:"date"`
	StartTimeInMinutes int        `json:"startTimeInMinutes"`
	EndTimeInMinutes   int        `json:"endTimeInMinutes"`
	DurationInMinutes  int        `json:"durationInMinutes"`
}

// The enums of a counter, as Protime's counters webhooks list them.
var (
	counterStatuses    = []string{"Unknown", "Auto", "Manual", "Calendar"}
	counterPeriodTypes = []string{"Unknown", "Day", "Week", "PayPeriod"}
)

var counterType = &CollectionType{
	Name:         Counters,
	Subscribable: true,
	New:          func() Record { return new(Counter) },
	DecodeFields: decodeCounter,
	Refs: []Ref{
		{Field: "person", Collection: People},
		{Field: "shiftDefinition", Collection: ShiftDefinitions},
		{Field: "counterDefinition", Collection: CounterDefinitions},
	},
	Filters: dayFilters(
		IDFilter("counter-definitions", "counterDefinition.id"),
		ValueFilter("status", "status", counterStatuses...),
	),
	EventRefs: []ReferenceRule{peopleEventRefs, customEventRefs(ShiftDefinitions), customEventRefs(CounterDefinitions)},
	Example: `{"shiftDefinition":{"id":1},"numberOfInstances":1,"request":{"id":"1-1-42"},"status":"Auto","isAuthorized":true,` +
		`"person":{"id":1},"periodType":"Day","counterDefinition":{"id":1},"date":"2025-01-02","startTimeInMinutes":1020,` +
		`"endTimeInMinutes":1080,"durationInMinutes":60}`,
}

// decodeCounter reads a counter; person.id, counterDefinition.id and date are required.
// status and periodType are Unknown when omitted, Protime's value for one not set.
func decodeCounter(f *Fields) Record {
	c := &Counter{}
	c.ShiftDefinition = readRef(f, "shiftDefinition", false)
	c.NumberOfInstances, _ = readInt(f, "numberOfInstances", false, 0, MaxObjectID)
	c.Request = readStringRef(f, "request", false)
	c.Status = readEnumOr(f, "status", "Unknown", counterStatuses...)
	c.IsAuthorized, _ = f.Bool("isAuthorized", false)
	if p := readRef(f, "person", true); p != nil {
		c.Person = *p
	}
	c.PeriodType = readEnumOr(f, "periodType", "Unknown", counterPeriodTypes...)
	if d := readRef(f, "counterDefinition", true); d != nil {
		c.CounterDefinition = *d
	}
	c.Date = readDate(f, "date", true)
	c.StartTimeInMinutes = readTimeInMinutes(f, "startTimeInMinutes")
	c.EndTimeInMinutes = readTimeInMinutes(f, "endTimeInMinutes")
	c.DurationInMinutes = readDurationInMinutes(f, "durationInMinutes")
	return c
}

package shiftwire

// CounterDefinition is an object of the counter-definitions collection: something Protime
// counts, such as overtime or night hours, in a counter group. Counters and activity
// durations refer to it, and the @counter-code external reference is read from Code.
type CounterDefinition struct {
	Base
	Name         TranslatedText  `json:"name"`
	Code         string          `json:"code,omitempty"`
	FriendlyName TranslatedText  `json:"friendlyName"`
	FriendlyCode *TranslatedText `json:"friendlyCode,omitempty"`
	IsEnabled    bool            `json:"isEnabled"`
	CounterGroup *IDRef          `json:"counterGroup,omitempty"`
	// Unit is what the counter counts: Interval, Duration or Instance.
	Unit string `json:"unit"`
}

// The units of a counter definition, as Protime's counter-definitions webhooks list them.
var counterUnits = []string{"Unknown", "Interval", "Duration", "Instance"}

var counterDefinitionType = &CollectionType{
	Name:         CounterDefinitions,
	Subscribable: true,
	New:          func() Record { return new(CounterDefinition) },
	DecodeFields: decodeCounterDefinition,
	Refs:         []Ref{{Field: "counterGroup", Collection: CounterGroups}},
	Predefined:   []PredefinedRef{{Name: RefCounterCode, Field: "code"}},
	// As Protime's counter-definitions webhooks list them: their own @counter-code and
	// custom references, and custom references of counter groups.
	EventRefs: []ReferenceRule{
		{Collection: CounterDefinitions, Predefined: []string{RefCounterCode}, Custom: true},
		{Collection: CounterGroups, Custom: true},
	},
	Example: `{"name":{"default":"Overtime 150%","translations":{"nl":"Overuren 150%"}},"code":"OT150",` +
		`"friendlyName":{"default":"Overtime","translations":{"nl":"Overuren"}},"friendlyCode":{"default":"OT","translations":{"nl":"OU"}},` +
		`"isEnabled":true,"counterGroup":{"id":1},"unit":"Duration"}`,
}

// decodeCounterDefinition reads a counter definition; name is required. friendlyName is the
// name and friendlyCode the code when omitted, a definition is enabled unless isEnabled
// says otherwise, and unit is Unknown when omitted, Protime's value for one not set.
func decodeCounterDefinition(f *Fields) Record {
	c := &CounterDefinition{}
	c.Name, c.Code, c.FriendlyName = readDefinitionNames(f)
	c.FriendlyCode = readFriendlyCode(f, c.Code)
	c.IsEnabled = readBoolOr(f, "isEnabled", true)
	c.CounterGroup = readRef(f, "counterGroup", false)
	c.Unit = readEnumOr(f, "unit", "Unknown", counterUnits...)
	return c
}

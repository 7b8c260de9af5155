package shiftwire

// ShiftDefinition is an object of the shift-definitions collection: a kind of shift, which
// absences, counters, activity durations and paid presences refer to, and the @shift-code
// external reference is read from Code.
type ShiftDefinition struct {
	Base
	Name         TranslatedText `json:"name"`
	Code         string         `json:"code,omitempty"`
	FriendlyName TranslatedText `json:"friendlyName"`
	IsEnabled    bool           `json:"isEnabled"`
}

var shiftDefinitionType = &CollectionType{
	Name:         ShiftDefinitions,
	Subscribable: true,
	New:          func() Record { return new(ShiftDefinition) },
	DecodeFields: decodeShiftDefinition,
	Predefined:   []PredefinedRef{{Name: RefShiftCode, Field: "code"}},
	Example: `{"name":{"default":"Early shift","translations":{"nl":"Vroege dienst","fr":"Poste du matin"}},"code":"VRG",` +
		`"friendlyName":{"default":"Early","translations":{"nl":"Vroeg"}},"isEnabled":true}`,
}

// decodeShiftDefinition reads a shift definition; name is required, friendlyName is the
// name when omitted, and a definition is enabled unless isEnabled says otherwise.
func decodeShiftDefinition(f *Fields) Record {
	s := &ShiftDefinition{}
	s.Name, s.Code, s.FriendlyName = readDefinitionNames(f)
	s.IsEnabled = readBoolOr(f, "isEnabled", true)
	return s
}

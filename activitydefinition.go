package shiftwire

// ActivityDefinition is an object of the activity-definitions collection: an activity that
// clockings of kind Activity record, and that the @data-entry-code and @external-reference
// external references are read from.
type ActivityDefinition struct {
	Base
	Name              TranslatedText `json:"name"`
	DataEntryCode     string         `json:"dataEntryCode,omitempty"`
	ExternalReference string         `json:"externalReference,omitempty"`
}

var activityDefinitionType = &CollectionType{
	Name:         ActivityDefinitions,
	New:          func() Record { return new(ActivityDefinition) },
	DecodeFields: decodeActivityDefinition,
	Predefined: []PredefinedRef{
		{Name: RefDataEntryCode, Field: "dataEntryCode"},
		{Name: RefExternalReference, Field: "externalReference"},
	},
	Example: `{"name":{"default":"Packing","translations":{"nl":"Inpakken"}},"dataEntryCode":"PK","externalReference":"ACT-7"}`,
}

// decodeActivityDefinition reads an activity definition; name is required.
func decodeActivityDefinition(f *Fields) Record {
	a := &ActivityDefinition{}
	a.Name, _ = readTranslated(f, "name", true)
	a.DataEntryCode = readText(f, "dataEntryCode", false)
	a.ExternalReference = readText(f, "externalReference", false)
	return a
}

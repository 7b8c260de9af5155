package shiftwire

// ActivityDefinition is an object of the activity-definitions collection: an activity that
// clockings of kind Activity record, and that the @data-entry-code and @external-reference
// external references are read from.
type ActivityDefinition struct {
	ID                int64          `json:"id"`
	Name              TranslatedText `json:"name"`
	DataEntryCode     string         `json:"dataEntryCode,omitempty"`
	ExternalReference string         `json:"externalReference,omitempty"`
}

// Collection returns activity-definitions.
func (*ActivityDefinition) Collection() string { return ActivityDefinitions }

// ObjectID returns the activity definition's id.
func (a *ActivityDefinition) ObjectID() int64 { return a.ID }

func (a *ActivityDefinition) setID(id int64)          { a.ID = id }
func (a *ActivityDefinition) references() []reference { return nil }
func (a *ActivityDefinition) keys() objectKeys        { return objectKeys{} }

var activityDefinitionType = &CollectionType{
	Name:      ActivityDefinitions,
	newRecord: func() Record { return new(ActivityDefinition) },
	decode:    decodeActivityDefinition,
	predefined: map[string]func(Record) string{
		RefDataEntryCode:     func(r Record) string { return r.(*ActivityDefinition).DataEntryCode },
		RefExternalReference: func(r Record) string { return r.(*ActivityDefinition).ExternalReference },
	},
}

// decodeActivityDefinition reads an activity definition; name is required.
func decodeActivityDefinition(f *Fields) Record {
	a := &ActivityDefinition{}
	a.Name, _ = readTranslated(f, "name", true)
	a.DataEntryCode = readText(f, "dataEntryCode", false)
	a.ExternalReference = readText(f, "externalReference", false)
	return a
}

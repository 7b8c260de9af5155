package shiftwire

// CounterGroup is an object of the counter-groups collection: a group of counter
// definitions. Saving one counter group re-saves all of them, as in Protime: see
// ObjectWriter.
type CounterGroup struct {
	Base
	Name TranslatedText `json:"name"`
}

var counterGroupType = &CollectionType{
	Name:         CounterGroups,
	Subscribable: true,
	New:          func() Record { return new(CounterGroup) },
	DecodeFields: decodeCounterGroup,
	ResaveAll:    true,
	Example:      `{"name":{"default":"Overtime","translations":{"nl":"Overuren","fr":"Heures supplémentaires"}}}`,
}

// decodeCounterGroup reads a counter group; name is required.
func decodeCounterGroup(f *Fields) Record {
	g := &CounterGroup{}
	g.Name, _ = readTranslated(f, "name", true)
	return g
}

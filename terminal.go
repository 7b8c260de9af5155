package shiftwire

// Terminal is an object of the terminals collection: a clocking device that clockings refer
// to, and that the @external-code external reference is read from.
type Terminal struct {
	Base
	Name         string `json:"name"`
	ExternalCode string `json:"externalCode,omitempty"`
}

var terminalType = &CollectionType{
	Name:         Terminals,
	New:          func() Record { return new(Terminal) },
	DecodeFields: decodeTerminal,
	Predefined:   []PredefinedRef{{Name: RefExternalCode, Field: "externalCode"}},
	Example:      `{"name":"Main entrance","externalCode":"T-01"}`,
}

// decodeTerminal reads a terminal; name is required.
func decodeTerminal(f *Fields) Record {
	return &Terminal{
		Name:         readText(f, "name", true),
		ExternalCode: readText(f, "externalCode", false),
	}
}

package shiftwire

// Terminal is an object of the terminals collection: a clocking device that clockings refer
// to, and that the @external-code external reference is read from.
type Terminal struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	ExternalCode string `json:"externalCode,omitempty"`
}

// Collection returns terminals.
func (*Terminal) Collection() string { return Terminals }

// ObjectID returns the terminal's id.
func (t *Terminal) ObjectID() int64 { return t.ID }

func (t *Terminal) setID(id int64)          { t.ID = id }
func (t *Terminal) references() []reference { return nil }
func (t *Terminal) keys() objectKeys        { return objectKeys{} }

var terminalType = &CollectionType{
	Name:      Terminals,
	newRecord: func() Record { return new(Terminal) },
	decode:    decodeTerminal,
	predefined: map[string]func(Record) string{
		RefExternalCode: func(r Record) string { return r.(*Terminal).ExternalCode },
	},
}

// decodeTerminal reads a terminal; name is required.
func decodeTerminal(f *Fields) Record {
	return &Terminal{
		Name:         readText(f, "name", true),
		ExternalCode: readText(f, "externalCode", false),
	}
}

package shiftwire

// AbsenceDefinition is an object of the absence-definitions collection: a kind of absence.
// Those with IsReasonForClocking can be the reason of a clocking of kind Reason, and the
// @absence-code external reference is read from AbsenceCode.
type AbsenceDefinition struct {
	ID                  int64          `json:"id"`
	Name                TranslatedText `json:"name"`
	AbsenceCode         string         `json:"absenceCode,omitempty"`
	IsReasonForClocking bool           `json:"isReasonForClocking"`
}

// Collection returns absence-definitions.
func (*AbsenceDefinition) Collection() string { return AbsenceDefinitions }

// ObjectID returns the absence definition's id.
func (a *AbsenceDefinition) ObjectID() int64 { return a.ID }

func (a *AbsenceDefinition) setID(id int64)          { a.ID = id }
func (a *AbsenceDefinition) references() []reference { return nil }
func (a *AbsenceDefinition) keys() objectKeys        { return objectKeys{} }

var absenceDefinitionType = &CollectionType{
	Name:      AbsenceDefinitions,
	newRecord: func() Record { return new(AbsenceDefinition) },
	decode:    decodeAbsenceDefinition,
	predefined: map[string]func(Record) string{
		RefAbsenceCode: func(r Record) string { return r.(*AbsenceDefinition).AbsenceCode },
	},
}

// decodeAbsenceDefinition reads an absence definition; name is required.
func decodeAbsenceDefinition(f *Fields) Record {
	a := &AbsenceDefinition{}
	a.Name, _ = readTranslated(f, "name", true)
	a.AbsenceCode = readText(f, "absenceCode", false)
	a.IsReasonForClocking, _ = f.Bool("isReasonForClocking", false)
	return a
}

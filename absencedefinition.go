package shiftwire

// AbsenceDefinition is an object of the absence-definitions collection: a kind of absence.
// Those with IsReasonForClocking can be the reason of a clocking of kind Reason, and the
// @absence-code external reference is read from Code.
type AbsenceDefinition struct {
	Base
	Name                TranslatedText `json:"name"`
	Code                string         `json:"code,omitempty"`
	IsReasonForClocking bool           `json:"isReasonForClocking"`
}

var absenceDefinitionType = &CollectionType{
	Name:         AbsenceDefinitions,
	New:          func() Record { return new(AbsenceDefinition) },
	DecodeFields: decodeAbsenceDefinition,
	Predefined:   []PredefinedRef{{Name: RefAbsenceCode, Field: "code"}},
	Example:      `{"name":{"default":"Sick","translations":{"nl":"Ziek"}},"code":"ZK","isReasonForClocking":true}`,
}

// decodeAbsenceDefinition reads an absence definition; name is required.
func decodeAbsenceDefinition(f *Fields) Record {
	a := &AbsenceDefinition{}
	a.Name, _ = readTranslated(f, "name", true)
	a.Code = readText(f, "code", false)
	a.IsReasonForClocking, _ = f.Bool("isReasonForClocking", false)
	return a
}

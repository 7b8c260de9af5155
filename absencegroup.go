package shiftwire

// AbsenceGroupType says what the absences of a group are.
type AbsenceGroupType string

// The absence group types of the seed document.
const (
	AbsenceGroupAbsence          AbsenceGroupType = "Absence"
	AbsenceGroupWorkingElsewhere AbsenceGroupType = "WorkingElsewhere"
)

// AbsenceGroup is an object of the absence-groups collection. Saving one absence group
// re-saves all of them, as in Protime: see ObjectWriter.
type AbsenceGroup struct {
	Base
	Name TranslatedText   `json:"name"`
	Type AbsenceGroupType `json:"type"`
}

var absenceGroupType = &CollectionType{
	Name:         AbsenceGroups,
	Subscribable: true,
	New:          func() Record { return new(AbsenceGroup) },
	DecodeFields: decodeAbsenceGroup,
	ResaveAll:    true,
	Example:      `{"name":{"default":"Leave","translations":{"nl":"Verlof"}},"type":"Absence"}`,
}

// decodeAbsenceGroup reads an absence group; name and type are required.
func decodeAbsenceGroup(f *Fields) Record {
	g := &AbsenceGroup{}
	g.Name, _ = readTranslated(f, "name", true)
	typ, _ := readEnum(f, "type", true, string(AbsenceGroupAbsence), string(AbsenceGroupWorkingElsewhere))
	g.Type = AbsenceGroupType(typ)
	return g
}

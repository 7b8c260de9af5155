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
	ID   int64            `json:"id"`
	Name TranslatedText   `json:"name"`
	Type AbsenceGroupType `json:"type"`
}

// Collection returns absence-groups.
func (*AbsenceGroup) Collection() string { return AbsenceGroups }

// ObjectID returns the absence group's id.
func (g *AbsenceGroup) ObjectID() int64 { return g.ID }

func (g *AbsenceGroup) setID(id int64)          { g.ID = id }
func (g *AbsenceGroup) references() []reference { return nil }
func (g *AbsenceGroup) keys() objectKeys        { return objectKeys{} }

var absenceGroupType = &CollectionType{
	Name:      AbsenceGroups,
	newRecord: func() Record { return new(AbsenceGroup) },
	decode:    decodeAbsenceGroup,
	resaveAll: true,
}

// decodeAbsenceGroup reads an absence group; name and type are required.
func decodeAbsenceGroup(f *Fields) Record {
	g := &AbsenceGroup{}
	g.Name, _ = readTranslated(f, "name", true)
	typ, _ := readEnum(f, "type", true, string(AbsenceGroupAbsence), string(AbsenceGroupWorkingElsewhere))
	g.Type = AbsenceGroupType(typ)
	return g
}

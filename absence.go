package shiftwire

// Absence is an object of the absences collection: one absence of a person on a day, of the
// absence definition it resulted in.
type Absence struct {
	Base
	Person                      IDRef  `json:"person"`
	ResultingAbsenceDefinition  IDRef  `json:"resultingAbsenceDefinition"`
	RequestedAbsenceDefinition  *IDRef `json:"requestedAbsenceDefinition,omitempty"`
	ShiftDefinition             *IDRef `json:"shiftDefinition,omitempty"`
	Date                        string `json:"date"`
	StartTimeInMinutes          int    `json:"startTimeInMinutes"`
	DurationInMinutes           int    `json:"durationInMinutes"`
	CalculatedDurationInMinutes int    `json:"calculatedDurationInMinutes"`
	DayPart                     string `json:"dayPart"`
	// Request is the absence request, by Protime's string id: {TenantId}-{PersonId}-{RequestId}.
	Request       *StringRef `json:"request,omitempty"`
	Status        string     `json:"status"`
	ApprovalLevel string     `json:"approvalLevel"`
	IsLocked      bool       `json:"isLocked"`
}

// The enums of an absence, as Protime's absences webhooks list them.
var (
	absenceDayParts      = []string{"First", "Second", "Unknown"}
	absenceStatuses      = []string{"Unknown", "Manual", "Auto", "BeginOpen", "Open", "Terminal", "Calendar"}
	absenceApprovalLevel = []string{"Unknown", "AwaitingApproval", "Approved", "NotApproved", "NotApprovedByPriorities", "NotApprovedByCalculations"}
)

var absenceType = &CollectionType{
	Name:         Absences,
	Subscribable: true,
	New:          func() Record { return new(Absence) },
	DecodeFields: decodeAbsence,
	Recalc:       recalcOnDay,
	Refs: []Ref{
		{Field: "person", Collection: People},
		{Field: "resultingAbsenceDefinition", Collection: AbsenceDefinitions},
		{Field: "requestedAbsenceDefinition", Collection: AbsenceDefinitions},
		{Field: "shiftDefinition", Collection: ShiftDefinitions},
	},
	Filters:   dayFilters(),
	EventRefs: []ReferenceRule{peopleEventRefs, customEventRefs(AbsenceDefinitions), customEventRefs(ShiftDefinitions)},
	Example: `{"person":{"id":1},"resultingAbsenceDefinition":{"id":1},"requestedAbsenceDefinition":{"id":1},"shiftDefinition":{"id":1},` +
		`"date":"2025-01-02","startTimeInMinutes":480,"durationInMinutes":240,"calculatedDurationInMinutes":240,"dayPart":"First",` +
		`"request":{"id":"1-1-42"},"status":"Manual","approvalLevel":"Approved","isLocked":false}`,
}

// decodeAbsence reads an absence; person.id, resultingAbsenceDefinition.id and date are
// required. dayPart, status and approvalLevel are Unknown when omitted, Protime's value
// for one not set.
func decodeAbsence(f *Fields) Record {
	a := &Absence{}
	if p := readRef(f, "person", true); p != nil {
		a.Person = *p
	}
	if d := readRef(f, "resultingAbsenceDefinition", true); d != nil {
		a.ResultingAbsenceDefinition = *d
	}
	a.RequestedAbsenceDefinition = readRef(f, "requestedAbsenceDefinition", false)
	a.ShiftDefinition = readRef(f, "shiftDefinition", false)
	a.Date = readDate(f, "date", true)
	a.StartTimeInMinutes = readTimeInMinutes(f, "startTimeInMinutes")
	a.DurationInMinutes = readDurationInMinutes(f, "durationInMinutes")
	a.CalculatedDurationInMinutes = readDurationInMinutes(f, "calculatedDurationInMinutes")
	a.DayPart = readEnumOr(f, "dayPart", "Unknown", absenceDayParts...)
	a.Request = readStringRef(f, "request", false)
	a.Status = readEnumOr(f, "status", "Unknown", absenceStatuses...)
	a.ApprovalLevel = readEnumOr(f, "approvalLevel", "Unknown", absenceApprovalLevel...)
	a.IsLocked, _ = f.Bool("isLocked", false)
	return a
}

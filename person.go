package shiftwire

// Person is an object of the people collection: the personal information that clockings
// and contracts refer to, and that the @badge-number and @employee-number external
// references are read from.
type Person struct {
	Base
	FirstName      string `json:"firstName,omitempty"`
	LastName       string `json:"lastName"`
	BadgeNumber    string `json:"badgeNumber,omitempty"`
	EmployeeNumber string `json:"employeeNumber,omitempty"`
	Email          string `json:"email,omitempty"`
}

var personType = &CollectionType{
	Name:         People,
	New:          func() Record { return new(Person) },
	DecodeFields: decodePerson,
	Predefined: []PredefinedRef{
		{Name: RefBadgeNumber, Field: "badgeNumber"},
		{Name: RefEmployeeNumber, Field: "employeeNumber"},
	},
	Example: `{"firstName":"Ann","lastName":"Peeters","badgeNumber":"6767676","employeeNumber":"E-1","email":"ann.peeters@example.com"}`,
}

// decodePerson reads a person; lastName is required, the rest is optional.
func decodePerson(f *Fields) Record {
	return &Person{
		FirstName:      readText(f, "firstName", false),
		LastName:       readText(f, "lastName", true),
		BadgeNumber:    readText(f, "badgeNumber", false),
		EmployeeNumber: readText(f, "employeeNumber", false),
		Email:          readEmail(f, "email"),
	}
}

package shiftwire

// Person is an object of the people collection: the personal information that clockings
// and contracts refer to, and that the @badge-number and @employee-number external
// references are read from.
type Person struct {
	ID             int64  `json:"id"`
	FirstName      string `json:"firstName,omitempty"`
	LastName       string `json:"lastName"`
	BadgeNumber    string `json:"badgeNumber,omitempty"`
	EmployeeNumber string `json:"employeeNumber,omitempty"`
	Email          string `json:"email,omitempty"`
}

// Collection returns people.
func (*Person) Collection() string { return People }

// ObjectID returns the person's id.
func (p *Person) ObjectID() int64 { return p.ID }

func (p *Person) setID(id int64)          { p.ID = id }
func (p *Person) references() []reference { return nil }
func (p *Person) keys() objectKeys        { return objectKeys{} }

var personType = &CollectionType{
	Name:      People,
	newRecord: func() Record { return new(Person) },
	decode:    decodePerson,
	predefined: map[string]func(Record) string{
		RefBadgeNumber:    func(r Record) string { return r.(*Person).BadgeNumber },
		RefEmployeeNumber: func(r Record) string { return r.(*Person).EmployeeNumber },
	},
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

package shiftwire

import "regexp"

// Person is an object of the people collection: a person's personal information, as
// Protime's people webhooks send it, which clockings and contracts refer to and the
// @badge-number and @employee-number external references are read from.
//
// Only lastName is required. Every other field is left out of the object when it was not
// given, numbers included: a PIN code or an hourly rate nobody entered is unknown, not 0,
// and a person written with the fields of earlier versions of Shiftwire reads as it did.
type Person struct {
	Base
	PeriodClosingDate string `json:"periodClosingDate,omitempty"`
	// HourlyRateCurrencyDefinition and AdvanceCurrencyDefinition are ids of Protime's
	// currency definitions, a collection Shiftwire does not hold: kept as given.
	HourlyRateCurrencyDefinition *IDRef `json:"hourlyRateCurrencyDefinition,omitempty"`
	AdvanceCurrencyDefinition    *IDRef `json:"advanceCurrencyDefinition,omitempty"`
	LastName                     string `json:"lastName"`
	FirstName                    string `json:"firstName,omitempty"`
	Initials                     string `json:"initials,omitempty"`
	Telephone                    string `json:"telephone,omitempty"`
	Mobile                       string `json:"mobile,omitempty"`
	Email                        string `json:"email,omitempty"`
	Address                      string `json:"address,omitempty"`
	PostalCode                   string `json:"postalCode,omitempty"`
	Town                         string `json:"town,omitempty"`
	CountryIsoCode               string `json:"countryIsoCode,omitempty"`
	NationalityIsoCode           string `json:"nationalityIsoCode,omitempty"`
	Sex                          string `json:"sex,omitempty"`
	MaritalStatus                string `json:"maritalStatus,omitempty"`
	BirthDate                    string `json:"birthDate,omitempty"`
	PlaceOfBirth                 string `json:"placeOfBirth,omitempty"`
	DrivingLicense               string `json:"drivingLicense,omitempty"`
	RegisterNumber               string `json:"registerNumber,omitempty"`
	PassportNumber               string `json:"passportNumber,omitempty"`
	SocialSecurityNumber         string `json:"socialSecurityNumber,omitempty"`
	BankAccount                  string `json:"bankAccount,omitempty"`
	InServiceDate                string `json:"inServiceDate,omitempty"`
	// OutOfServiceDate is "" while the person is in service with no end in sight.
	OutOfServiceDate string   `json:"outOfServiceDate,omitempty"`
	WtdStartDate     string   `json:"wtdStartDate,omitempty"`
	EmployeeNumber   string   `json:"employeeNumber,omitempty"`
	PayGroup         string   `json:"payGroup,omitempty"`
	HourlyRate       *float64 `json:"hourlyRate,omitempty"`
	MaxAdvance       *float64 `json:"maxAdvance,omitempty"`
	// TerminalGroup is the id of a Protime terminal group, a collection Shiftwire does not
	// hold: kept as given.
	TerminalGroup           *IDRef `json:"terminalGroup,omitempty"`
	BadgeNumber             string `json:"badgeNumber,omitempty"`
	PinCode                 *int   `json:"pinCode,omitempty"`
	TerminalLanguageISOCode string `json:"terminalLanguageISOCode,omitempty"`
}

// The values of a person's sex and maritalStatus, as Protime's people webhooks list them.
var (
	personSexes          = []string{"Unknown", "Female", "Male", "Other"}
	personMaritalStatus  = []string{"Unknown", "Single", "Married", "Widow", "Widower", "Divorced", "LivingTogether"}
	isoCountryCode       = regexp.MustCompile(`^[A-Z]{2,3}$`)
	isoLanguageCode      = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z]{2})?$`)
	maxPersonAmount      = float64(MaxObjectID)
	personIsoCodeMessage = "must be an ISO 3166 country code in capitals, such as BE or BEL"
)

var personType = &CollectionType{
	Name:         People,
	Subscribable: true,
	New:          func() Record { return new(Person) },
	DecodeFields: decodePerson,
	Predefined: []PredefinedRef{
		{Name: RefBadgeNumber, Field: "badgeNumber"},
		{Name: RefEmployeeNumber, Field: "employeeNumber"},
	},
	// A person refers to nothing Shiftwire holds; its events carry its own references, as
	// Protime's people webhooks do.
	EventRefs: []ReferenceRule{{Collection: People, Predefined: []string{RefBadgeNumber, RefEmployeeNumber}, Custom: true}},
	Example: `{"periodClosingDate":"2024-12-31","hourlyRateCurrencyDefinition":{"id":1},"advanceCurrencyDefinition":{"id":1},` +
		`"lastName":"Peeters","firstName":"Ann","initials":"A.P.","telephone":"+32 2 123 45 67","mobile":"+32 470 12 34 56",` +
		`"email":"ann.peeters@example.com","address":"Kerkstraat 1","postalCode":"1000","town":"Brussel","countryIsoCode":"BE",` +
		`"nationalityIsoCode":"BE","sex":"Female","maritalStatus":"Married","birthDate":"1985-04-12","placeOfBirth":"Gent",` +
		`"drivingLicense":"B","registerNumber":"85.04.12-123.45","passportNumber":"EP123456","socialSecurityNumber":"85041212345",` +
		`"bankAccount":"BE68 5390 0754 7034","inServiceDate":"2020-01-01","outOfServiceDate":"2030-12-31","wtdStartDate":"2020-01-01",` +
		`"employeeNumber":"E-1","payGroup":"Bedienden","hourlyRate":21.5,"maxAdvance":500,"terminalGroup":{"id":1},` +
		`"badgeNumber":"6767676","pinCode":1234,"terminalLanguageISOCode":"nl"}`,
}

// decodePerson reads a person; lastName is required, the rest is optional.
// outOfServiceDate must not be before inServiceDate.
func decodePerson(f *Fields) Record {
	p := &Person{
		PeriodClosingDate:            readDate(f, "periodClosingDate", false),
		HourlyRateCurrencyDefinition: readRef(f, "hourlyRateCurrencyDefinition", false),
		AdvanceCurrencyDefinition:    readRef(f, "advanceCurrencyDefinition", false),
		LastName:                     readText(f, "lastName", true),
		FirstName:                    readText(f, "firstName", false),
		Initials:                     readText(f, "initials", false),
		Telephone:                    readText(f, "telephone", false),
		Mobile:                       readText(f, "mobile", false),
		Email:                        readEmail(f, "email"),
		Address:                      readText(f, "address", false),
		PostalCode:                   readText(f, "postalCode", false),
		Town:                         readText(f, "town", false),
		CountryIsoCode:               readCode(f, "countryIsoCode", isoCountryCode, personIsoCodeMessage),
		NationalityIsoCode:           readCode(f, "nationalityIsoCode", isoCountryCode, personIsoCodeMessage),
		BirthDate:                    readDate(f, "birthDate", false),
		PlaceOfBirth:                 readText(f, "placeOfBirth", false),
		DrivingLicense:               readText(f, "drivingLicense", false),
		RegisterNumber:               readText(f, "registerNumber", false),
		PassportNumber:               readText(f, "passportNumber", false),
		SocialSecurityNumber:         readText(f, "socialSecurityNumber", false),
		BankAccount:                  readText(f, "bankAccount", false),
		InServiceDate:                readDate(f, "inServiceDate", false),
		OutOfServiceDate:             readDate(f, "outOfServiceDate", false),
		WtdStartDate:                 readDate(f, "wtdStartDate", false),
		EmployeeNumber:               readText(f, "employeeNumber", false),
		PayGroup:                     readText(f, "payGroup", false),
		TerminalGroup:                readRef(f, "terminalGroup", false),
		BadgeNumber:                  readText(f, "badgeNumber", false),
		TerminalLanguageISOCode:      readCode(f, "terminalLanguageISOCode", isoLanguageCode, "must be a language code such as nl, fr or nl-BE"),
	}
	p.Sex, _ = readEnum(f, "sex", false, personSexes...)
	p.MaritalStatus, _ = readEnum(f, "maritalStatus", false, personMaritalStatus...)
	if x, ok := readNumber(f, "hourlyRate", false, 0, maxPersonAmount); ok {
		p.HourlyRate = &x
	}
	if x, ok := readNumber(f, "maxAdvance", false, 0, maxPersonAmount); ok {
		p.MaxAdvance = &x
	}
	if n, ok := readInt(f, "pinCode", false, 0, MaxObjectID); ok {
		p.PinCode = &n
	}
	if p.InServiceDate != "" && p.OutOfServiceDate != "" && p.OutOfServiceDate < p.InServiceDate {
		f.Fail("outOfServiceDate", "must not be before inServiceDate (%s)", p.InServiceDate)
	}
	return p
}

// readCode reads an optional code that must match pattern, such as a country code.
func readCode(f *Fields, name string, pattern *regexp.Regexp, message string) string {
	s := readText(f, name, false)
	if s != "" && !pattern.MatchString(s) {
		f.Fail(name, "%s; got %s", message, quote(s))
		return ""
	}
	return s
}

package shiftwire

// BreakDefinition is an object of the break-definitions collection: a kind of break and how
// it is paid and calculated. Its fields are the seed document's event properties.
type BreakDefinition struct {
	Base
	Name         TranslatedText `json:"name"`
	FriendlyName TranslatedText `json:"friendlyName"`
	// PaidDurationInMinutes is the part of the break that is paid.
	PaidDurationInMinutes    int `json:"paidDurationInMinutes"`
	MinimumDurationInMinutes int `json:"minimumDurationInMinutes"`
	MaximumDurationInMinutes int `json:"maximumDurationInMinutes"`
	// IfNotClockedDurationInMinutes is counted when no break is clocked.
	IfNotClockedDurationInMinutes int  `json:"ifNotClockedDurationInMinutes"`
	HasToBeTakenUninterrupted     bool `json:"hasToBeTakenUninterrupted"`
}

// maxBreakMinutes bounds break durations: a break lasts at most a day.
const maxBreakMinutes = 1440

var breakDefinitionType = &CollectionType{
	Name:         BreakDefinitions,
	Subscribable: true,
	New:          func() Record { return new(BreakDefinition) },
	DecodeFields: decodeBreakDefinition,
	Example: `{"name":{"default":"Lunch","translations":{"nl":"Middagpauze"}},"friendlyName":{"default":"Lunch break","translations":{}},` +
		`"paidDurationInMinutes":15,"minimumDurationInMinutes":30,"maximumDurationInMinutes":45,"ifNotClockedDurationInMinutes":30,"hasToBeTakenUninterrupted":true}`,
}

// decodeBreakDefinition reads a break definition. Only name is required. Omitted fields
// take the values Protime's own screens start from: friendlyName is the name, the maximum
// and the if-not-clocked durations are the minimum, and the paid duration is 0.
func decodeBreakDefinition(f *Fields) Record {
	b := &BreakDefinition{}
	b.Name, _ = readTranslated(f, "name", true)
	friendly, hasFriendly := readTranslated(f, "friendlyName", false)
	b.PaidDurationInMinutes, _ = readInt(f, "paidDurationInMinutes", false, 0, maxBreakMinutes)
	b.MinimumDurationInMinutes, _ = readInt(f, "minimumDurationInMinutes", false, 0, maxBreakMinutes)
	maxMinutes, hasMax := readInt(f, "maximumDurationInMinutes", false, 0, maxBreakMinutes)
	ifNot, hasIfNot := readInt(f, "ifNotClockedDurationInMinutes", false, 0, maxBreakMinutes)
	b.HasToBeTakenUninterrupted, _ = f.Bool("hasToBeTakenUninterrupted", false)

	b.FriendlyName = b.Name
	if hasFriendly {
		b.FriendlyName = friendly
	}
	b.MaximumDurationInMinutes = b.MinimumDurationInMinutes
	if hasMax {
		b.MaximumDurationInMinutes = maxMinutes
		if maxMinutes < b.MinimumDurationInMinutes {
			f.Fail("maximumDurationInMinutes", "must not be less than minimumDurationInMinutes (%d)", b.MinimumDurationInMinutes)
		}
	}
	b.IfNotClockedDurationInMinutes = b.MinimumDurationInMinutes
	if hasIfNot {
		b.IfNotClockedDurationInMinutes = ifNot
	}
	return b
}

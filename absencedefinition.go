package shiftwire

import "encoding/json"

// AbsenceDefinition is an object of the absence-definitions collection: a kind of absence,
// in an absence group. Those with IsReasonForClocking can be the reason of a clocking of
// kind Reason; the @absence-code external reference is read from Code.
type AbsenceDefinition struct {
	Base
	Name         TranslatedText `json:"name"`
	Code         string         `json:"code,omitempty"`
	FriendlyName TranslatedText `json:"friendlyName"`
	// FriendlyCode is nil when neither it nor Code was given.
	FriendlyCode *TranslatedText `json:"friendlyCode,omitempty"`
	// AllowedDurations are the ways an absence of the definition may be entered.
	AllowedDurations    []string `json:"allowedDurations,omitempty"`
	IsEnabled           bool     `json:"isEnabled"`
	IsReasonForClocking bool     `json:"isReasonForClocking"`
	AbsenceGroup        *IDRef   `json:"absenceGroup,omitempty"`
}

// The ways an absence may be entered, as Protime's absence-definitions webhooks list them.
var absenceDurations = []string{"Unknown", "FullDay", "HalfDay", "Interval", "Duration"}

var absenceDefinitionType = &CollectionType{
	Name:         AbsenceDefinitions,
	Subscribable: true,
	New:          func() Record { return new(AbsenceDefinition) },
	DecodeFields: decodeAbsenceDefinition,
	Refs:         []Ref{{Field: "absenceGroup", Collection: AbsenceGroups}},
	Predefined:   []PredefinedRef{{Name: RefAbsenceCode, Field: "code"}},
	Example: `{"name":{"default":"Sick","translations":{"nl":"Ziek"}},"code":"ZK","friendlyName":{"default":"Sick leave","translations":{"nl":"Ziekteverlof"}},` +
		`"friendlyCode":{"default":"SICK","translations":{"nl":"ZIEK"}},"allowedDurations":["FullDay","HalfDay"],"isEnabled":true,` +
		`"isReasonForClocking":true,"absenceGroup":{"id":1}}`,
}

// decodeAbsenceDefinition reads an absence definition; name is required. Omitted fields
// take the values a new definition has in Protime's screens: friendlyName is the name,
// friendlyCode the code (left out when there is no code), and the definition is enabled.
func decodeAbsenceDefinition(f *Fields) Record {
	a := &AbsenceDefinition{}
	a.Name, a.Code, a.FriendlyName = readDefinitionNames(f)
	a.FriendlyCode = readFriendlyCode(f, a.Code)
	a.AllowedDurations = readEnumList(f, "allowedDurations", absenceDurations...)
	a.IsEnabled = readBoolOr(f, "isEnabled", true)
	a.IsReasonForClocking, _ = f.Bool("isReasonForClocking", false)
	a.AbsenceGroup = readRef(f, "absenceGroup", false)
	return a
}

// UnmarshalJSON reads a stored absence definition. One stored before isEnabled existed has
// none, and is enabled, as a definition written without it is.
func (a *AbsenceDefinition) UnmarshalJSON(data []byte) error {
	type plain AbsenceDefinition
	p := plain{IsEnabled: true}
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*a = AbsenceDefinition(p)
	return nil
}

// readDefinitionNames reads how every definition collection names its objects: name
// (required), code, and friendlyName (the name when omitted).
func readDefinitionNames(f *Fields) (name TranslatedText, code string, friendlyName TranslatedText) {
	name, _ = readTranslated(f, "name", true)
	code = readText(f, "code", false)
	friendlyName = name
	if fn, ok := readTranslated(f, "friendlyName", false); ok {
		friendlyName = fn
	}
	return name, code, friendlyName
}

// readFriendlyCode reads a definition's friendlyCode: the code, with no translations, when
// omitted; nil when there is no code either.
func readFriendlyCode(f *Fields, code string) *TranslatedText {
	if fc, ok := readTranslated(f, "friendlyCode", false); ok {
		return &fc
	}
	if code != "" {
		return &TranslatedText{Default: code, Translations: map[string]string{}}
	}
	return nil
}

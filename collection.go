package shiftwire

import "slices"

// Collection describes one Protime collection: its name, whether webhooks may subscribe to
// it, and which external references its events and reads may carry.
type Collection struct {
	Name string
	// Subscribable reports whether a webhook may subscribe to the collection's changes.
	Subscribable bool
	// References lists, per referenced collection, the external references that may be
	// selected with ?externalReferences= on a webhook of this collection, as the seed
	// documents list them. An empty list means the collection supports none.
	References []ReferenceRule
}

// ReferenceRule allows external references on one referenced collection: the predefined ones
// listed (each starting with @) and, when Custom is set, any custom name.
type ReferenceRule struct {
	Collection string
	Predefined []string
	Custom     bool
}

// The collection names.
const (
	BreakDefinitions    = "break-definitions"
	Contracts           = "contracts"
	AbsenceGroups       = "absence-groups"
	Clockings           = "clockings"
	People              = "people"
	Terminals           = "terminals"
	ActivityDefinitions = "activity-definitions"
	AbsenceDefinitions  = "absence-definitions"
)

// The predefined external references, read from an object's own fields.
const (
	RefBadgeNumber       = "@badge-number"
	RefEmployeeNumber    = "@employee-number"
	RefExternalCode      = "@external-code"
	RefDataEntryCode     = "@data-entry-code"
	RefExternalReference = "@external-reference"
	RefAbsenceCode       = "@absence-code"
)

var peopleRule = ReferenceRule{Collection: People, Predefined: []string{RefBadgeNumber, RefEmployeeNumber}, Custom: true}

var collections = []Collection{
	{Name: AbsenceGroups, Subscribable: true},
	{Name: BreakDefinitions, Subscribable: true},
	{Name: Clockings, Subscribable: true, References: []ReferenceRule{
		peopleRule,
		{Collection: Terminals, Predefined: []string{RefExternalCode}, Custom: true},
		{Collection: ActivityDefinitions, Predefined: []string{RefDataEntryCode, RefExternalReference}, Custom: true},
		{Collection: AbsenceDefinitions, Predefined: []string{RefAbsenceCode}, Custom: true},
	}},
	{Name: Contracts, Subscribable: true, References: []ReferenceRule{
		{Collection: Contracts, Custom: true},
		peopleRule,
	}},
	{Name: AbsenceDefinitions},
	{Name: ActivityDefinitions},
	{Name: People},
	{Name: Terminals},
}

// Collections returns every collection Shiftwire holds, subscribable or only referenced.
func Collections() []Collection { return slices.Clone(collections) }

// CollectionByName returns the collection called name.
func CollectionByName(name string) (Collection, bool) {
	for _, c := range collections {
		if c.Name == name {
			return c, true
		}
	}
	return Collection{}, false
}

// SubscribableCollection returns the collection called name if webhooks may subscribe to it,
// and the 400 "unknown collection name" error Protime documents otherwise.
func SubscribableCollection(name string) (Collection, error) {
	c, ok := CollectionByName(name)
	if !ok || !c.Subscribable {
		return Collection{}, Invalid("unknown collection name", "unknown collection name "+quote(name))
	}
	return c, nil
}

// rule returns the reference rule for referenced collection name.
func (c Collection) rule(name string) (ReferenceRule, bool) {
	for _, r := range c.References {
		if r.Collection == name {
			return r, true
		}
	}
	return ReferenceRule{}, false
}

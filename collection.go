package shiftwire

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

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
	Absences            = "absences"
	AccessClockings     = "access-clockings"
	ActivityDurations   = "activity-durations"
	Assignments         = "assignments"
	Breaks              = "breaks"
	CalculatedTotals    = "calculated-totals"
	Counters            = "counters"
	CounterDefinitions  = "counter-definitions"
	CounterGroups       = "counter-groups"
	PaidPresences       = "paid-presences"
	ShiftDefinitions    = "shift-definitions"
	WorkInterruptions   = "work-interruptions"
)

// The predefined external references, read from an object's own fields.
const (
	RefBadgeNumber       = "@badge-number"
	RefEmployeeNumber    = "@employee-number"
	RefExternalCode      = "@external-code"
	RefDataEntryCode     = "@data-entry-code"
	RefExternalReference = "@external-reference"
	RefAbsenceCode       = "@absence-code"
	RefCounterCode       = "@counter-code"
	RefShiftCode         = "@shift-code"
)

// collectionTypes is the registry: every collection Shiftwire holds, one declaration each.
// Scopes, routes, reference checks, external reference rules, list filters and the store's
// keys all derive from it; TestRegistry checks that every declaration is complete.
var collectionTypes = []*CollectionType{
	absenceGroupType,
	breakDefinitionType,
	clockingType,
	contractType,
	absenceDefinitionType,
	activityDefinitionType,
	personType,
	terminalType,
	absenceType,
	accessClockingType,
	activityDurationType,
	assignmentType,
	breakType,
	calculatedTotalType,
	counterType,
	counterDefinitionType,
	counterGroupType,
	paidPresenceType,
	shiftDefinitionType,
	workInterruptionType,
}

// byGoType finds the collection of a Record from its Go type.
var byGoType = func() map[reflect.Type]*CollectionType {
	m := make(map[reflect.Type]*CollectionType, len(collectionTypes))
	for _, t := range collectionTypes {
		if t.New != nil {
			m[reflect.TypeOf(t.New())] = t
		}
	}
	return m
}()

// Collections returns every collection Shiftwire holds, subscribable or only referenced.
func Collections() []*CollectionType { return slices.Clone(collectionTypes) }

// CollectionByName returns the collection called name.
func CollectionByName(name string) (*CollectionType, bool) {
	for _, t := range collectionTypes {
		if t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// CollectionOf returns the collection of a record, by its Go type.
func CollectionOf(r Record) (*CollectionType, bool) {
	t, ok := byGoType[reflect.TypeOf(r)]
	return t, ok
}

// SubscribableCollection returns the collection called name if webhooks may subscribe to it,
// and the 400 "unknown collection name" error Protime documents otherwise.
func SubscribableCollection(name string) (*CollectionType, error) {
	t, ok := CollectionByName(name)
	if !ok || !t.Subscribable {
		return nil, Invalid("unknown collection name", "unknown collection name "+quote(name))
	}
	return t, nil
}

// CollectionsByDependency returns every collection, each after the collections it refers
// to (a reference to its own collection does not count), so that writing one object of each
// in this order finds what it refers to.
func CollectionsByDependency() []*CollectionType {
	var out []*CollectionType
	placed := map[string]bool{}
	for len(out) < len(collectionTypes) {
		progress := false
		for _, t := range collectionTypes {
			waiting := slices.ContainsFunc(t.Refs, func(r Ref) bool { return r.Collection != t.Name && !placed[r.Collection] })
			if placed[t.Name] || waiting {
				continue
			}
			placed[t.Name], progress = true, true
			out = append(out, t)
		}
		if !progress {
			panic("shiftwire: the collections' references form a cycle")
		}
	}
	return out
}

func mustCollectionType(name string) *CollectionType {
	t, ok := CollectionByName(name)
	if !ok {
		panic("shiftwire: no collection " + name)
	}
	return t
}

// checkRegistry reports every incomplete or inconsistent declaration of types: what
// TestRegistry holds the registry to, so a collection declared in part fails the tests
// instead of a request.
func checkRegistry(types []*CollectionType) error {
	var problems []string
	fail := func(t *CollectionType, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s: ", t.Name)+fmt.Sprintf(format, args...))
	}
	names := map[string]bool{}
	goTypes := map[reflect.Type]string{}
	for _, t := range types {
		if t.Name == "" || strings.Trim(t.Name, "abcdefghijklmnopqrstuvwxyz-") != "" {
			fail(t, "the name must be lower-case kebab-case")
		}
		if names[t.Name] {
			fail(t, "declared twice")
		}
		names[t.Name] = true
	}
	for _, t := range types {
		if t.New == nil {
			fail(t, "no New")
		} else if r := t.New(); r == nil {
			fail(t, "New returns nil")
		} else if other, dup := goTypes[reflect.TypeOf(r)]; dup {
			fail(t, "New returns a %T, the record of %s too", r, other)
		} else {
			goTypes[reflect.TypeOf(r)] = t.Name
		}
		if t.DecodeFields == nil {
			fail(t, "no DecodeFields")
		}
		for _, r := range t.Refs {
			switch {
			case r.Field == "":
				fail(t, "a reference without a field")
			case r.Each && r.Item != "":
				fail(t, "reference %s: Each and Item exclude each other", r.Field)
			case !names[r.Collection]:
				fail(t, "reference %s names the unknown collection %q", r.Field, r.Collection)
			}
		}
		for _, f := range t.Filters {
			switch {
			case f.Name == "" || f.Field == "":
				fail(t, "filter %q needs a name and the field its key is read from", f.Name)
			case f.Kind < FilterIDs || f.Kind > FilterDateRange:
				fail(t, "filter %s has no kind", f.Name)
			case f.Kind == FilterValues && len(f.Values) == 0:
				fail(t, "filter %s lists no values", f.Name)
			case strings.HasPrefix(f.Name, "@"):
				fail(t, "filter %s: a name starting with @ is a predefined reference's", f.Name)
			}
		}
		for _, r := range t.EventRefs {
			if !names[r.Collection] {
				fail(t, "event references name the unknown collection %q", r.Collection)
			}
		}
		for _, p := range t.Predefined {
			if !strings.HasPrefix(p.Name, "@") || p.Field == "" {
				fail(t, "predefined reference %q needs a name starting with @ and the field it is read from", p.Name)
			}
		}
		if t.Example == "" {
			fail(t, "no Example")
		} else if t.DecodeFields != nil && t.New != nil {
			if _, err := t.Decode([]byte(t.Example), 0); err != nil {
				fail(t, "the Example does not decode: %v", err)
			}
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

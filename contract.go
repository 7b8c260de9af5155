package shiftwire

import "math"

// ContractKind tells a contract from an addendum to one.
type ContractKind string

// The contract kinds of the seed document.
const (
	ContractKindContract ContractKind = "Contract"
	ContractKindAddendum ContractKind = "Addendum"
)

// Contract is an object of the contracts collection: a person's employment terms for a
// period. An Addendum changes a Contract of the same person, named by ParentContract.
type Contract struct {
	Base
	Person                       IDRef        `json:"person"`
	Code                         string       `json:"code,omitempty"`
	From                         string       `json:"from"`
	Until                        string       `json:"until,omitempty"` // "" while open-ended
	ContractHoursInMinutes       int          `json:"contractHoursInMinutes"`
	FullTimeEquivalentInMinutes  int          `json:"fullTimeEquivalentInMinutes"`
	ContractPercentage           float64      `json:"contractPercentage"`
	NumberOfWorkingDaysPerWeek   int          `json:"numberOfWorkingDaysPerWeek"`
	NumberOfDaysInContractPeriod int          `json:"numberOfDaysInContractPeriod"`
	Kind                         ContractKind `json:"kind"`
	ParentContract               *IDRef       `json:"parentContract,omitempty"` // only on an Addendum
}

var contractType = &CollectionType{
	Name:         Contracts,
	Subscribable: true,
	New:          func() Record { return new(Contract) },
	DecodeFields: decodeContract,
	Recalc:       recalcOverPeriod,
	Refs: []Ref{
		{Field: "person", Collection: People},
		{Field: "parentContract", Collection: Contracts, Check: checkParentContract},
	},
	Filters: []ListFilter{IDFilter("person", "person.id")},
	Example: `{"person":{"id":1},"code":"C-2025","from":"2025-01-01","until":"2025-12-31","contractHoursInMinutes":2280,` +
		`"fullTimeEquivalentInMinutes":2280,"contractPercentage":100,"numberOfWorkingDaysPerWeek":5,"numberOfDaysInContractPeriod":365,"kind":"Contract"}`,
}

// decodeContract reads a contract. person.id and from are required; kind defaults to
// Contract; contractPercentage, when omitted, is contractHoursInMinutes as a percentage of
// fullTimeEquivalentInMinutes.
func decodeContract(f *Fields) Record {
	c := &Contract{Kind: ContractKindContract}
	if p := readRef(f, "person", true); p != nil {
		c.Person = *p
	}
	c.Code = readText(f, "code", false)
	c.From = readDate(f, "from", true)
	c.Until = readDate(f, "until", false)
	if c.From != "" && c.Until != "" && c.Until < c.From {
		f.Fail("until", "must not be before from (%s)", c.From)
	}
	c.ContractHoursInMinutes, _ = readInt(f, "contractHoursInMinutes", false, 0, MaxObjectID)
	c.FullTimeEquivalentInMinutes, _ = readInt(f, "fullTimeEquivalentInMinutes", false, 0, MaxObjectID)
	pct, hasPct := readNumber(f, "contractPercentage", false, 0, 100)
	c.NumberOfWorkingDaysPerWeek, _ = readInt(f, "numberOfWorkingDaysPerWeek", false, 0, 7)
	c.NumberOfDaysInContractPeriod, _ = readInt(f, "numberOfDaysInContractPeriod", false, 0, MaxObjectID)
	kind, hasKind := readEnum(f, "kind", false, string(ContractKindContract), string(ContractKindAddendum))
	if hasKind {
		c.Kind = ContractKind(kind)
	}
	hasParent := f.Has("parentContract")
	parent := readRef(f, "parentContract", false)
	switch {
	case !hasKind && f.Has("kind"):
		// kind is wrong; its problem is reported and parentContract cannot be judged.
	case c.Kind == ContractKindAddendum && !hasParent:
		f.Fail("parentContract.id", "is required for a contract of kind Addendum")
	case c.Kind == ContractKindContract && hasParent:
		f.Fail("parentContract", "is only allowed on a contract of kind Addendum")
	default:
		c.ParentContract = parent
	}

	c.ContractPercentage = pct
	if !hasPct && c.FullTimeEquivalentInMinutes > 0 {
		c.ContractPercentage = math.Round(float64(c.ContractHoursInMinutes)*10000/float64(c.FullTimeEquivalentInMinutes)) / 100
		if c.ContractPercentage > 100 {
			f.Fail("contractHoursInMinutes", "must not exceed fullTimeEquivalentInMinutes (%d) unless contractPercentage is given", c.FullTimeEquivalentInMinutes)
		}
	}
	return c
}

// checkParentContract requires an addendum's parent to be another contract, of kind
// Contract, of the same person, so consumers can rely on an addendum changing its person's
// own contract.
func checkParentContract(r, target Record) string {
	c, parent := r.(*Contract), target.(*Contract)
	switch {
	case parent.ID == c.ID:
		return "must name another contract than the addendum itself"
	case parent.Kind != ContractKindContract:
		return "must name a contract of kind Contract; contracts " + itoa64(parent.ID) + " is an Addendum"
	case parent.Person.ID != c.Person.ID:
		return "must name a contract of the same person; contracts " + itoa64(parent.ID) + " belongs to person " + itoa64(parent.Person.ID)
	}
	return ""
}

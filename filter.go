package shiftwire

// Filter is a parsed ?filter= expression in Protime's grammar:
//
//	expression       = term { "or" term }.
//	term             = condition { "and" condition }.
//	condition        = simple-condition | "(" expression ")".
//	simple-condition = identifier rel-op factor.
//	rel-op           = "eq" | "ge" | "le" | "in".
//	factor           = constant | list.
//	constant         = integer | string | bool.
//	list             = [identifier] "(" constant { "," constant } ")".
//
// A Filter is one of *FilterOr, *FilterAnd or *FilterCondition. ParseFilter builds it; each
// resource then checks the fields, operators and values it accepts.
type Filter interface{ isFilter() }

// FilterOr holds two or more alternatives.
type FilterOr struct{ Terms []Filter }

// FilterAnd holds two or more conditions that must all hold.
type FilterAnd struct{ Conditions []Filter }

// FilterCondition compares one field: `status eq 'Enabled'`, `date ge '2024-01-01'`,
// `person in (1,2)`, `person in circle(2,8)`.
type FilterCondition struct {
	Field    string        // the identifier, as written
	Op       FilterOp      // eq, ge, le or in
	Values   []FilterValue // one for eq/ge/le, one or more for in
	ListName string        // the identifier before an in-list, e.g. "circle"; usually ""
}

// FilterOp is a relational operator of the filter grammar.
type FilterOp string

// The filter operators.
const (
	OpEq FilterOp = "eq"
	OpGe FilterOp = "ge"
	OpLe FilterOp = "le"
	OpIn FilterOp = "in"
)

// FilterValue is one constant: a single-quoted string, an integer or a boolean.
type FilterValue struct {
	Kind FilterValueKind
	Str  string // for FilterString
	Int  int64  // for FilterInteger
	Bool bool   // for FilterBool
}

// FilterValueKind tells which field of a FilterValue holds the constant.
type FilterValueKind int

// The kinds of filter constants.
const (
	FilterString FilterValueKind = iota + 1
	FilterInteger
	FilterBool
)

func (*FilterOr) isFilter()        {}
func (*FilterAnd) isFilter()       {}
func (*FilterCondition) isFilter() {}

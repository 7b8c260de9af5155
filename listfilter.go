package shiftwire

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ListFilter declares one field a collection's list reads may filter on in ?filter=. Its
// values are the object's values at Field, which the store keeps as keys named Name, so a
// new filter changes no store.
type ListFilter struct {
	// Name is the field as a filter names it ("person"), and the name of its key.
	Name string
	// Field is where the value sits in the object's JSON, as a dotted path ("person.id").
	Field string
	Kind  FilterKind
	// Values lists the values a FilterValues filter accepts.
	Values []string
	// Range, for a FilterDateRange, says whether every list read must give a range and how
	// long it may be.
	Range DateRangeRule
}

// FilterKind is how a list filter's values are written and compared.
type FilterKind int

const (
	// FilterIDs takes object ids: `person eq 12`, `person in (1,2)`.
	FilterIDs FilterKind = iota + 1
	// FilterValues takes one of a list of strings: `kind eq 'InOut'`, `kind in ('Reason')`.
	FilterValues
	// FilterDateRange takes dates: `date ge '2024-01-01' and date le '2024-01-31'`, or
	// `date eq '2024-01-31'`.
	FilterDateRange
)

// DateRangeRule is how a date range filter must be given.
type DateRangeRule int

const (
	// OptionalRange lets a list read give a range or not.
	OptionalRange DateRangeRule = iota
	// RequiredYearRange requires every list read to give a range of at most one year, as
	// Protime does for its dated collections.
	RequiredYearRange
)

// IDFilter declares a filter on the id at field, such as person.id.
func IDFilter(name, field string) ListFilter {
	return ListFilter{Name: name, Field: field, Kind: FilterIDs}
}

// ValueFilter declares a filter on the string at field, which is one of values.
func ValueFilter(name, field string, values ...string) ListFilter {
	return ListFilter{Name: name, Field: field, Kind: FilterValues, Values: values}
}

// DateFilter declares a filter on the date (YYYY-MM-DD) at field.
func DateFilter(name, field string, rule DateRangeRule) ListFilter {
	return ListFilter{Name: name, Field: field, Kind: FilterDateRange, Range: rule}
}

// filter returns the declaration of the filter called name.
func (t *CollectionType) filter(name string) (ListFilter, bool) {
	for _, f := range t.Filters {
		if f.Name == name {
			return f, true
		}
	}
	return ListFilter{}, false
}

// requiredRange returns the date filter every list read must give, if any.
func (t *CollectionType) requiredRange() (ListFilter, bool) {
	for _, f := range t.Filters {
		if f.Kind == FilterDateRange && f.Range == RequiredYearRange {
			return f, true
		}
	}
	return ListFilter{}, false
}

// Query translates the ?filter= of a list read, s ("" when none was given), into the store
// query, checking it against the collection's Filters. Conditions on different fields are
// joined with and; or joins only eq and in conditions on the same field, meaning any of
// their values. Anything else is an EInvalid *Error naming the condition at fault.
func (t *CollectionType) Query(s string) (ObjectQuery, error) {
	q := ObjectQuery{Collection: t.Name}
	if strings.Trim(s, " \t") == "" {
		if f, ok := t.requiredRange(); ok {
			return q, filterError("the " + t.Name + " collection needs a filter with a " + f.Name + " range of at most one year, such as " +
				f.Name + " ge '2024-01-01' and " + f.Name + " le '2024-01-31'")
		}
		return q, nil
	}
	if len(t.Filters) == 0 {
		return q, filterError("the " + t.Name + " collection accepts no filter")
	}
	f, err := ParseFilter(s)
	if err != nil {
		return q, err
	}
	b := &queryBuilder{t: t, matches: map[string]*KeyMatch{}, dateEq: map[string]bool{}}
	if err := b.add(f); err != nil {
		return q, err
	}
	if err := b.finish(); err != nil {
		return q, err
	}
	for _, lf := range t.Filters {
		if m := b.matches[lf.Name]; m != nil {
			q.Where = append(q.Where, *m)
		}
	}
	return q, nil
}

// queryBuilder collects the conditions of one filter, one KeyMatch per field.
type queryBuilder struct {
	t       *CollectionType
	matches map[string]*KeyMatch
	dateEq  map[string]bool
}

func (b *queryBuilder) add(f Filter) error {
	switch f := f.(type) {
	case *FilterAnd:
		for _, c := range f.Conditions {
			if err := b.add(c); err != nil {
				return err
			}
		}
		return nil
	case *FilterOr:
		return b.union(f)
	case *FilterCondition:
		return b.condition(f)
	}
	return filterError("the filter has no condition")
}

// union reads `a eq 1 or a eq 2 or a in (3,4)` as `a in (1,2,3,4)`.
func (b *queryBuilder) union(f *FilterOr) error {
	merged := &FilterCondition{Op: OpIn}
	for _, term := range f.Terms {
		c, ok := term.(*FilterCondition)
		if !ok || (merged.Field != "" && c.Field != merged.Field) {
			return filterError(quote(FormatFilter(f)) + ": or only joins conditions on the same field, such as person eq 1 or person eq 2; join different fields with and")
		}
		if lf, ok := b.t.filter(c.Field); ok && lf.Kind == FilterDateRange {
			return filterError(quote(FormatFilter(f)) + ": " + c.Field + " conditions cannot be joined with or; give one range with " + c.Field + " ge and " + c.Field + " le")
		}
		if c.Op != OpEq && c.Op != OpIn {
			return filterError(quote(c.String()) + ": or only joins eq and in conditions")
		}
		if c.ListName != "" {
			return b.condition(c) // reports the named list
		}
		merged.Field = c.Field
		merged.Values = append(merged.Values, c.Values...)
	}
	return b.condition(merged)
}

func (b *queryBuilder) condition(c *FilterCondition) error {
	fail := func(format string, args ...any) error {
		return filterError(quote(c.String()) + ": " + fmt.Sprintf(format, args...))
	}
	lf, ok := b.t.filter(c.Field)
	if !ok {
		names := make([]string, len(b.t.Filters))
		for i, f := range b.t.Filters {
			names[i] = f.Name
		}
		return fail("unknown field %s; the %s collection accepts %s", quote(c.Field), b.t.Name, joinAnd(names))
	}
	if c.ListName != "" {
		return fail("named lists such as %s(...) are not supported; use a plain list such as (1,2)", c.ListName)
	}
	if len(c.Values) == 0 {
		return fail("%s needs a value", c.Field)
	}
	if lf.Kind == FilterDateRange {
		return b.dateCondition(lf, c, fail)
	}
	if c.Op != OpEq && c.Op != OpIn {
		return fail("%s supports eq and in, not %s", lf.Name, c.Op)
	}
	if b.matches[lf.Name] != nil {
		example := lf.Name + " in (1,2)"
		if lf.Kind == FilterValues {
			example = lf.Name + " in ('" + strings.Join(lf.Values[:min(2, len(lf.Values))], "','") + "')"
		}
		return fail("%s is given twice; list the values in one condition, such as %s", lf.Name, example)
	}
	m := &KeyMatch{Name: lf.Name}
	for _, v := range c.Values {
		var key string
		switch lf.Kind {
		case FilterIDs:
			if v.Kind != FilterInteger || v.Int < 1 {
				return fail("%s is not a %s id; %s takes integers such as %s eq 12", v, lf.Name, lf.Name, lf.Name)
			}
			key = strconv.FormatInt(v.Int, 10)
		case FilterValues:
			if v.Kind != FilterString || !slices.Contains(lf.Values, v.Str) {
				return fail("%s is not a %s; the %ss are %s, quoted", v, lf.Name, lf.Name, joinOr(lf.Values))
			}
			key = v.Str
		}
		if !slices.Contains(m.In, key) {
			m.In = append(m.In, key)
		}
	}
	b.matches[lf.Name] = m
	return nil
}

func (b *queryBuilder) dateCondition(lf ListFilter, c *FilterCondition, fail func(string, ...any) error) error {
	if c.Op == OpIn {
		return fail("%s supports eq, ge and le, not in", lf.Name)
	}
	v := c.Values[0]
	if v.Kind != FilterString || !ValidDate(v.Str) {
		return fail("%s is not a date; write dates quoted as YYYY-MM-DD, such as '2024-01-31'", v)
	}
	m := b.matches[lf.Name]
	if m == nil {
		m = &KeyMatch{Name: lf.Name}
		b.matches[lf.Name] = m
	}
	switch {
	case b.dateEq[lf.Name] || c.Op == OpEq && (m.From != "" || m.To != ""):
		return fail("%s is given twice; give either %s eq or one range with %s ge and %s le", lf.Name, lf.Name, lf.Name, lf.Name)
	case c.Op == OpEq:
		m.From, m.To, b.dateEq[lf.Name] = v.Str, v.Str, true
	case c.Op == OpGe && m.From != "", c.Op == OpLe && m.To != "":
		return fail("%s %s is given twice", lf.Name, c.Op)
	case c.Op == OpGe:
		m.From = v.Str
	case c.Op == OpLe:
		m.To = v.Str
	}
	return nil
}

// finish checks the date ranges as a whole.
func (b *queryBuilder) finish() error {
	for _, lf := range b.t.Filters {
		if lf.Kind != FilterDateRange {
			continue
		}
		var from, to string
		m := b.matches[lf.Name]
		if m != nil {
			from, to = m.From, m.To
		}
		required := lf.Range == RequiredYearRange
		if required && (from == "" || to == "") {
			if m == nil {
				return filterError("the " + b.t.Name + " collection needs a " + lf.Name + " range of at most one year, such as " +
					lf.Name + " ge '2024-01-01' and " + lf.Name + " le '2024-01-31'")
			}
			return filterError("the " + lf.Name + " range needs both ends: " + lf.Name + " ge '...' and " + lf.Name + " le '...', or " + lf.Name + " eq '...'")
		}
		if from != "" && to != "" {
			if to < from {
				return filterError(fmt.Sprintf("the %s range ends (%s) before it starts (%s)", lf.Name, to, from))
			}
			start, _ := time.Parse(time.DateOnly, from)
			end, _ := time.Parse(time.DateOnly, to)
			if required && !end.Before(start.AddDate(1, 0, 0)) {
				return filterError(fmt.Sprintf("the %s range from %s to %s is longer than one year; the last %s may be at most %s",
					lf.Name, from, to, lf.Name, start.AddDate(1, 0, -1).Format(time.DateOnly)))
			}
		}
	}
	return nil
}

package shiftwire

import (
	"cmp"
	"slices"
	"time"
)

// DayActivity is what bears on one person's totals of one day (SPEC 6.1): the day's
// clockings, the durations of its absences, and the contract in force on it.
type DayActivity struct {
	Date           string // YYYY-MM-DD
	Clockings      []*Clocking
	AbsenceMinutes []int
	// Contract is the contract or addendum in force on Date (ContractOn), nil for none.
	Contract *Contract
}

// DayTotals is one person's calculation of one day: what its calculated-totals object and
// its paid-presences object hold.
type DayTotals struct {
	Date string
	// TimePresent is the sum of the day's in-out pairs.
	TimePresent int
	// CalculatedPresence is TimePresent plus the day's absences; it is also the paid
	// presence.
	CalculatedPresence int
	// NormalTime is what the contract expects of the day.
	NormalTime int
	// Flextime is CalculatedPresence minus NormalTime.
	Flextime int
	// FlextimeBalance sums Flextime from the first of the month up to and including the day.
	FlextimeBalance int
	// PayPeriodHours sums CalculatedPresence the same way: the pay period is the calendar
	// month.
	PayPeriodHours int
}

// active reports whether a day has what makes it calculated: an Active clocking or an
// absence. A day without either has no totals.
func (d DayActivity) active() bool {
	return len(d.AbsenceMinutes) > 0 || slices.ContainsFunc(d.Clockings, func(c *Clocking) bool { return c.Status == ClockingActive })
}

// CalculateDay applies the rules of SPEC 6.1 to one day, without the month's running sums.
//
// The day's Active InOut clockings, in timeOfDayInMinutes order, pair up as in, out, in,
// out; an unpaired last one counts nothing. NormalTime is the contract's
// contractHoursInMinutes divided by its numberOfWorkingDaysPerWeek (whole minutes) on the
// first numberOfWorkingDaysPerWeek days of the ISO week, Monday first, and 0 on the others
// or without a contract.
func CalculateDay(d DayActivity) DayTotals {
	var times []int
	for _, c := range d.Clockings {
		if c.Status == ClockingActive && c.Kind == ClockingInOut {
			times = append(times, c.TimeOfDayInMinutes)
		}
	}
	slices.Sort(times)
	t := DayTotals{Date: d.Date}
	for i := 0; i+1 < len(times); i += 2 {
		t.TimePresent += times[i+1] - times[i]
	}
	t.CalculatedPresence = t.TimePresent
	for _, m := range d.AbsenceMinutes {
		t.CalculatedPresence += m
	}
	if c := d.Contract; c != nil && c.NumberOfWorkingDaysPerWeek > 0 {
		if date, err := time.Parse(time.DateOnly, d.Date); err == nil && isoWeekday(date) <= c.NumberOfWorkingDaysPerWeek {
			t.NormalTime = c.ContractHoursInMinutes / c.NumberOfWorkingDaysPerWeek
		}
	}
	t.Flextime = t.CalculatedPresence - t.NormalTime
	return t
}

// CalculateMonth returns the totals of one person's days of one calendar month, in date
// order: one for each day that has an Active clocking or an absence, with the month's
// running sums. days may come in any order and hold days without activity.
func CalculateMonth(days []DayActivity) []DayTotals {
	days = slices.Clone(days)
	slices.SortFunc(days, func(a, b DayActivity) int { return cmp.Compare(a.Date, b.Date) })
	var out []DayTotals
	balance, presence := 0, 0
	for _, d := range days {
		if !d.active() {
			continue
		}
		t := CalculateDay(d)
		balance += t.Flextime
		presence += t.CalculatedPresence
		t.FlextimeBalance, t.PayPeriodHours = balance, presence
		out = append(out, t)
	}
	return out
}

// ContractOn returns the contract in force on date among a person's contracts: of those
// whose from..until covers it, the one that started last (an addendum overrides the
// contract it changes from its own from), the highest id on a tie; nil when none covers it.
func ContractOn(contracts []*Contract, date string) *Contract {
	var best *Contract
	for _, c := range contracts {
		if c.From > date || (c.Until != "" && c.Until < date) {
			continue
		}
		if best == nil || c.From > best.From || (c.From == best.From && c.ID > best.ID) {
			best = c
		}
	}
	return best
}

// isoWeekday numbers the days of the week from Monday, 1, to Sunday, 7.
func isoWeekday(t time.Time) int {
	if t.Weekday() == time.Sunday {
		return 7
	}
	return int(t.Weekday())
}

package shiftwire

import (
	"slices"
	"testing"
)

// inOut returns Active InOut clockings at the given minutes.
func inOut(minutes ...int) []*Clocking {
	var out []*Clocking
	for _, m := range minutes {
		out = append(out, &Clocking{TimeOfDayInMinutes: m, Kind: ClockingInOut, Status: ClockingActive})
	}
	return out
}

// fullTime is 38 hours over 5 days: 456 minutes a day, Monday to Friday.
var fullTime = &Contract{From: "2025-01-01", ContractHoursInMinutes: 2280, NumberOfWorkingDaysPerWeek: 5}

func TestCalculateDay(t *testing.T) {
	deleted := &Clocking{TimeOfDayInMinutes: 600, Kind: ClockingInOut, Status: ClockingDeleted}
	reason := &Clocking{TimeOfDayInMinutes: 700, Kind: ClockingReason, Status: ClockingActive}
	tests := []struct {
		name string
		day  DayActivity
		want DayTotals
	}{
		{"one pair on a Monday", DayActivity{Date: "2025-03-17", Clockings: inOut(480, 990), Contract: fullTime},
			DayTotals{TimePresent: 510, CalculatedPresence: 510, NormalTime: 456, Flextime: 54}},
		{"pairs in time order, whatever the order given", DayActivity{Date: "2025-03-17", Clockings: inOut(780, 480, 990, 720), Contract: fullTime},
			DayTotals{TimePresent: 240 + 210, CalculatedPresence: 450, NormalTime: 456, Flextime: -6}},
		{"an unpaired last clocking counts nothing", DayActivity{Date: "2025-03-17", Clockings: inOut(480, 720, 780), Contract: fullTime},
			DayTotals{TimePresent: 240, CalculatedPresence: 240, NormalTime: 456, Flextime: -216}},
		{"deleted and non-InOut clockings do not pair", DayActivity{Date: "2025-03-17", Clockings: append(inOut(480, 990), deleted, reason), Contract: fullTime},
			DayTotals{TimePresent: 510, CalculatedPresence: 510, NormalTime: 456, Flextime: 54}},
		{"absences add to the presence", DayActivity{Date: "2025-03-17", Clockings: inOut(480, 720), AbsenceMinutes: []int{216}, Contract: fullTime},
			DayTotals{TimePresent: 240, CalculatedPresence: 456, NormalTime: 456, Flextime: 0}},
		{"Saturday is not a working day of a 5-day week", DayActivity{Date: "2025-03-22", Clockings: inOut(480, 600), Contract: fullTime},
			DayTotals{TimePresent: 120, CalculatedPresence: 120, NormalTime: 0, Flextime: 120}},
		{"Friday is", DayActivity{Date: "2025-03-21", Clockings: inOut(480, 600), Contract: fullTime},
			DayTotals{TimePresent: 120, CalculatedPresence: 120, NormalTime: 456, Flextime: -336}},
		{"no contract, no normal time", DayActivity{Date: "2025-03-17", Clockings: inOut(480, 600)},
			DayTotals{TimePresent: 120, CalculatedPresence: 120, Flextime: 120}},
		{"integer division of the week's hours", DayActivity{Date: "2025-03-17", Contract: &Contract{ContractHoursInMinutes: 1000, NumberOfWorkingDaysPerWeek: 3}},
			DayTotals{NormalTime: 333, Flextime: -333}},
		{"a night shift past midnight", DayActivity{Date: "2025-03-17", Clockings: inOut(1320, 1800)},
			DayTotals{TimePresent: 480, CalculatedPresence: 480, Flextime: 480}},
	}
	for _, tt := range tests {
		tt.want.Date = tt.day.Date
		if got := CalculateDay(tt.day); got != tt.want {
			t.Errorf("%s: CalculateDay = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestCalculateMonth(t *testing.T) {
	days := []DayActivity{
		{Date: "2025-03-18", Clockings: inOut(480, 900), Contract: fullTime}, // -36
		{Date: "2025-03-17", Clockings: inOut(480, 990), Contract: fullTime}, // +54
		{Date: "2025-03-19", Contract: fullTime},                             // nothing clocked: no totals
		{Date: "2025-03-20", AbsenceMinutes: []int{456}, Contract: fullTime}, // 0
		{Date: "2025-03-21", Clockings: []*Clocking{{TimeOfDayInMinutes: 480, Kind: ClockingInOut, Status: ClockingDeleted}}, Contract: fullTime},
	}
	got := CalculateMonth(days)
	var dates []string
	var balances, presence []int
	for _, d := range got {
		dates = append(dates, d.Date)
		balances = append(balances, d.FlextimeBalance)
		presence = append(presence, d.PayPeriodHours)
	}
	if !slices.Equal(dates, []string{"2025-03-17", "2025-03-18", "2025-03-20"}) {
		t.Fatalf("days with totals = %v", dates)
	}
	if !slices.Equal(balances, []int{54, 18, 18}) {
		t.Errorf("balances = %v, want [54 18 18]", balances)
	}
	if !slices.Equal(presence, []int{510, 930, 1386}) {
		t.Errorf("pay period hours = %v, want [510 930 1386]", presence)
	}
}

func TestContractOn(t *testing.T) {
	contract := &Contract{Base: Base{ID: 1}, From: "2025-01-01", Until: "2025-12-31", Kind: ContractKindContract}
	addendum := &Contract{Base: Base{ID: 2}, From: "2025-06-01", Until: "2025-08-31", Kind: ContractKindAddendum}
	next := &Contract{Base: Base{ID: 3}, From: "2026-01-01"}
	all := []*Contract{next, addendum, contract}
	for date, want := range map[string]*Contract{
		"2024-12-31": nil, "2025-01-01": contract, "2025-06-01": addendum, "2025-08-31": addendum,
		"2025-09-01": contract, "2025-12-31": contract, "2026-01-01": next, "2030-05-05": next,
	} {
		if got := ContractOn(all, date); got != want {
			t.Errorf("ContractOn(%s) = %v, want %v", date, got, want)
		}
	}
}

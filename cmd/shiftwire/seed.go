package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shiftwire/shiftwire"
)

// seedDevData gives the --dev tenant a small, realistic data set, so that a developer who
// subscribes a webhook and edits something sees events that look like Protime's: people
// with badge and employee numbers, terminals, activity and absence definitions, break
// definitions and absence groups with Dutch, French and English names, contracts with an
// addendum, and last week's clockings of every kind, one of them edited.
//
// It writes through the same rules as the API, in one transaction, and only when the
// tenant has no people yet, so restarting a dev server keeps what the developer changed.
func seedDevData(ctx context.Context, store shiftwire.Store, tenant *shiftwire.Tenant, now time.Time) error {
	people, err := store.ListObjects(ctx, tenant.ID, shiftwire.ObjectQuery{Collection: shiftwire.People, Limit: 1})
	if err != nil {
		return err
	}
	if len(people) > 0 {
		return nil
	}
	_, err = shiftwire.WriteObjects(ctx, store, tenant.ID, func(w *shiftwire.ObjectWriter) error {
		put := func(r shiftwire.Record) error {
			valid, err := shiftwire.ValidateRecord(r)
			if err != nil {
				return fmt.Errorf("dev seed: %T %d: %w", r, r.ObjectID(), err)
			}
			_, _, err = w.Put(ctx, valid)
			return err
		}
		seeded := map[string]bool{}
		for _, r := range devSeed(now.In(tenant.Location())) {
			if err := put(r); err != nil {
				return err
			}
			if t, ok := shiftwire.CollectionOf(r); ok {
				seeded[t.Name] = true
			}
		}
		// A collection the data set above does not cover yet gets its declared example, so
		// that every collection has something to read and subscribe to.
		for _, t := range shiftwire.CollectionsByDependency() {
			if seeded[t.Name] {
				continue
			}
			r, err := t.Decode([]byte(t.Example), 0)
			if err != nil {
				return fmt.Errorf("dev seed: %s example: %w", t.Name, err)
			}
			if err := put(r); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// devAbsenceDefinition returns an enabled absence definition named and coded as a new one
// is in Protime's screens: its friendly name is its name, its friendly code its code.
func devAbsenceDefinition(id int64, name shiftwire.TranslatedText, code string, reasonForClocking bool) *shiftwire.AbsenceDefinition {
	return &shiftwire.AbsenceDefinition{Base: shiftwire.Base{ID: id}, Name: name, Code: code, FriendlyName: name,
		FriendlyCode: &shiftwire.TranslatedText{Default: code, Translations: map[string]string{}}, IsEnabled: true, IsReasonForClocking: reasonForClocking}
}

// names returns a name with its Dutch, French and English translations.
func names(def, nl, fr, en string) shiftwire.TranslatedText {
	return shiftwire.TranslatedText{Default: def, Translations: map[string]string{"nl": nl, "fr": fr, "en": en}}
}

var devFirstNames = []string{
	"Jan", "Marie", "Luc", "Sofie", "Pieter", "Julie", "Tom", "Elise", "Koen", "Lotte",
	"Thomas", "Camille", "Bart", "Nathalie", "Wim", "Sarah", "Dirk", "Emma", "Kevin", "Laura",
	"Jens", "Hanne", "Maxime", "Inge", "Bram", "Chloé", "Stijn", "Ann", "Geert", "Louise",
	"Ruben", "Fatima", "Youssef", "Els", "Nicolas", "Zoë",
}

var devLastNames = []string{
	"Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet",
	"Dubois", "Lambert", "Dupont", "Martin", "Vermeulen", "Hermans", "Pauwels", "Aerts", "Michiels", "Desmet",
	"Leroy", "Simon", "Van Damme", "Segers", "Cools", "Renard", "Lemmens", "Verhoeven", "Smets", "Lejeune",
	"Declercq", "El Amrani", "Benali", "Vandenberghe", "Laurent", "Van den Broeck",
}

// emailLocal turns a name into the local part of an e-mail address.
func emailLocal(s string) string {
	s = strings.NewReplacer("é", "e", "ë", "e", " ", "").Replace(strings.ToLower(s))
	return s
}

// The ids of the seed's definitions, for the clockings that refer to them.
const (
	devTerminalMain, devTerminalWarehouse, devTerminalApp = 1, 2, 3
	devActivityAssembly, devActivityPacking               = 1, 2
	devActivityQuality, devActivityMaintenance            = 3, 4
	devAbsenceDoctor, devAbsenceErrand                    = 1, 2
	devAbsenceAnnualLeave, devAbsenceSickness             = 3, 4
	devShiftDay                                           = 1
	devCounterOvertime, devCounterMealVoucher             = 1, 2
)

// devSeed returns the seed's records, each referring only to records before it.
func devSeed(now time.Time) []shiftwire.Record {
	var out []shiftwire.Record
	for i := range devFirstNames {
		out = append(out, &shiftwire.Person{
			Base:           shiftwire.Base{ID: int64(i + 1)},
			FirstName:      devFirstNames[i],
			LastName:       devLastNames[i],
			BadgeNumber:    fmt.Sprintf("%07d", 6767601+i),
			EmployeeNumber: fmt.Sprintf("E-%04d", 1001+i),
			Email:          emailLocal(devFirstNames[i]) + "." + emailLocal(devLastNames[i]) + "@example.com",
		})
	}
	out = append(out,
		&shiftwire.Terminal{Base: shiftwire.Base{ID: devTerminalMain}, Name: "Main entrance", ExternalCode: "T-MAIN"},
		&shiftwire.Terminal{Base: shiftwire.Base{ID: devTerminalWarehouse}, Name: "Warehouse", ExternalCode: "T-WH"},
		&shiftwire.Terminal{Base: shiftwire.Base{ID: devTerminalApp}, Name: "myProtime app", ExternalCode: "T-APP"},

		&shiftwire.ActivityDefinition{Base: shiftwire.Base{ID: devActivityAssembly}, Name: names("Assembly", "Assemblage", "Assemblage", "Assembly"), DataEntryCode: "ASM", ExternalReference: "PRJ-100"},
		&shiftwire.ActivityDefinition{Base: shiftwire.Base{ID: devActivityPacking}, Name: names("Packing", "Inpakken", "Emballage", "Packing"), DataEntryCode: "PCK", ExternalReference: "PRJ-200"},
		&shiftwire.ActivityDefinition{Base: shiftwire.Base{ID: devActivityQuality}, Name: names("Quality control", "Kwaliteitscontrole", "Contrôle qualité", "Quality control"), DataEntryCode: "QC"},
		&shiftwire.ActivityDefinition{Base: shiftwire.Base{ID: devActivityMaintenance}, Name: names("Maintenance", "Onderhoud", "Entretien", "Maintenance"), DataEntryCode: "MNT", ExternalReference: "PRJ-900"},

		devAbsenceDefinition(devAbsenceDoctor, names("Doctor's visit", "Doktersbezoek", "Visite médicale", "Doctor's visit"), "DOC", true),
		devAbsenceDefinition(devAbsenceErrand, names("Business errand", "Dienstverplaatsing", "Déplacement de service", "Business errand"), "DVP", true),
		devAbsenceDefinition(devAbsenceAnnualLeave, names("Annual leave", "Jaarlijkse vakantie", "Vacances annuelles", "Annual leave"), "VAK", false),
		devAbsenceDefinition(devAbsenceSickness, names("Sickness", "Ziekte", "Maladie", "Sickness"), "ZK", false),
		devAbsenceDefinition(5, names("Training", "Opleiding", "Formation", "Training"), "OPL", false),

		&shiftwire.BreakDefinition{Base: shiftwire.Base{ID: 1}, Name: names("Lunch", "Middagpauze", "Pause de midi", "Lunch break"), FriendlyName: names("Lunch", "Middag", "Midi", "Lunch"),
			MinimumDurationInMinutes: 30, MaximumDurationInMinutes: 60, IfNotClockedDurationInMinutes: 30, HasToBeTakenUninterrupted: true},
		&shiftwire.BreakDefinition{Base: shiftwire.Base{ID: 2}, Name: names("Coffee break", "Koffiepauze", "Pause café", "Coffee break"), FriendlyName: names("Coffee", "Koffie", "Café", "Coffee"),
			PaidDurationInMinutes: 15, MinimumDurationInMinutes: 15, MaximumDurationInMinutes: 15, IfNotClockedDurationInMinutes: 15},
		&shiftwire.BreakDefinition{Base: shiftwire.Base{ID: 3}, Name: names("Night shift break", "Nachtpauze", "Pause de nuit", "Night shift break"), FriendlyName: names("Night break", "Nachtpauze", "Pause de nuit", "Night break"),
			PaidDurationInMinutes: 20, MinimumDurationInMinutes: 20, MaximumDurationInMinutes: 45, IfNotClockedDurationInMinutes: 20},

		&shiftwire.AbsenceGroup{Base: shiftwire.Base{ID: 1}, Name: names("Sickness", "Ziekte", "Maladie", "Sickness"), Type: shiftwire.AbsenceGroupAbsence},
		&shiftwire.AbsenceGroup{Base: shiftwire.Base{ID: 2}, Name: names("Leave", "Verlof", "Congé", "Leave"), Type: shiftwire.AbsenceGroupAbsence},
		&shiftwire.AbsenceGroup{Base: shiftwire.Base{ID: 3}, Name: names("Working elsewhere", "Elders aan het werk", "Travail ailleurs", "Working elsewhere"), Type: shiftwire.AbsenceGroupWorkingElsewhere},
	)

	// One contract per person since the start of last year; every fourth works 80 %, and
	// the first person moved to 80 % this year with an addendum.
	start := fmt.Sprintf("%d-01-01", now.Year()-1)
	for i := range devFirstNames {
		c := &shiftwire.Contract{
			Base: shiftwire.Base{ID: int64(i + 1)}, Person: shiftwire.IDRef{ID: int64(i + 1)}, Code: "FT-38", From: start,
			ContractHoursInMinutes: 2280, FullTimeEquivalentInMinutes: 2280, ContractPercentage: 100,
			NumberOfWorkingDaysPerWeek: 5, NumberOfDaysInContractPeriod: 7, Kind: shiftwire.ContractKindContract,
		}
		if i%4 == 3 {
			c.Code, c.ContractHoursInMinutes, c.ContractPercentage, c.NumberOfWorkingDaysPerWeek = "PT-80", 1824, 80, 4
		}
		if i == len(devFirstNames)-1 {
			c.Until = fmt.Sprintf("%d-12-31", now.Year()+1) // a fixed-term contract
		}
		out = append(out, c)
	}
	out = append(out, &shiftwire.Contract{
		Base: shiftwire.Base{ID: int64(len(devFirstNames) + 1)}, Person: shiftwire.IDRef{ID: 1}, Code: "PT-80", From: fmt.Sprintf("%d-01-01", now.Year()),
		ContractHoursInMinutes: 1824, FullTimeEquivalentInMinutes: 2280, ContractPercentage: 80,
		NumberOfWorkingDaysPerWeek: 4, NumberOfDaysInContractPeriod: 7,
		Kind: shiftwire.ContractKindAddendum, ParentContract: &shiftwire.IDRef{ID: 1},
	})

	out = append(out,
		&shiftwire.ShiftDefinition{Base: shiftwire.Base{ID: devShiftDay}, Name: names("Day shift", "Dagdienst", "Service de jour", "Day shift"), Code: "DAG",
			FriendlyName: names("Day", "Dag", "Jour", "Day"), IsEnabled: true},
		&shiftwire.ShiftDefinition{Base: shiftwire.Base{ID: 2}, Name: names("Early shift", "Vroege dienst", "Service du matin", "Early shift"), Code: "VRO",
			FriendlyName: names("Early", "Vroeg", "Matin", "Early"), IsEnabled: true},
		&shiftwire.CounterGroup{Base: shiftwire.Base{ID: 1}, Name: names("Overtime", "Overuren", "Heures supplémentaires", "Overtime")},
		&shiftwire.CounterGroup{Base: shiftwire.Base{ID: 2}, Name: names("Allowances", "Vergoedingen", "Indemnités", "Allowances")},
		&shiftwire.CounterDefinition{Base: shiftwire.Base{ID: devCounterOvertime}, Name: names("Overtime", "Overuren", "Heures supplémentaires", "Overtime"),
			Code: "OT", FriendlyName: names("Overtime", "Overuren", "Heures sup.", "Overtime"), IsEnabled: true, CounterGroup: &shiftwire.IDRef{ID: 1}, Unit: "Duration"},
		&shiftwire.CounterDefinition{Base: shiftwire.Base{ID: devCounterMealVoucher}, Name: names("Meal voucher", "Maaltijdcheque", "Chèque-repas", "Meal voucher"),
			Code: "MC", FriendlyName: names("Meal voucher", "Maaltijdcheque", "Chèque-repas", "Meal voucher"), IsEnabled: true, CounterGroup: &shiftwire.IDRef{ID: 2}, Unit: "Instance"},
	)
	return append(out, devClockings(now)...)
}

// devWeeks is how many weeks of clockings the dev data set holds, up to last week.
const devWeeks = 4

// devClockings returns the clockings of the last devWeeks weeks, Monday to Friday, and the
// absences of those days: everybody clocks in and out; some leave for the doctor (clocking
// out, a Reason clocking, and back in) or an errand and come back; warehouse staff start and
// end activities; mobile workers clock with the app, with a location; a few take a day of
// leave or are sick, an absence instead of clockings; worked days earn counters (a meal
// voucher, and overtime for who stays late). The first clocking is then edited, so
// it carries originalTimeOfDayInMinutes. Writing them recalculates every person-day's totals.
func devClockings(now time.Time) []shiftwire.Record {
	lastMonday := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	lastMonday = lastMonday.AddDate(0, 0, -(int(lastMonday.Weekday())+6)%7-7) // last week's Monday
	var out []shiftwire.Record
	var id, absenceID, counterID int64
	clock := func(person int, date string, minutes int, kind shiftwire.ClockingKind, terminal int64) *shiftwire.Clocking {
		id++
		c := &shiftwire.Clocking{
			Base: shiftwire.Base{ID: id}, Person: shiftwire.IDRef{ID: int64(person)}, Date: date, TimeOfDayInMinutes: minutes,
			Kind: kind, Terminal: &shiftwire.IDRef{ID: terminal},
		}
		if terminal == devTerminalApp {
			c.Geolocation = &shiftwire.Geolocation{Longitude: 3.7174 + float64(person)/1000, Latitude: 51.0543 + float64(person)/2000}
		}
		out = append(out, c)
		return c
	}
	for week := range devWeeks {
		monday := lastMonday.AddDate(0, 0, -7*(devWeeks-1-week))
		for day := range 5 {
			date := monday.AddDate(0, 0, day).Format(time.DateOnly)
			for i := range devFirstNames {
				person := i + 1
				if leave := devAbsence(i, week, day); leave != 0 {
					absenceID++
					out = append(out, &shiftwire.Absence{
						Base: shiftwire.Base{ID: absenceID}, Person: shiftwire.IDRef{ID: int64(person)},
						ResultingAbsenceDefinition: shiftwire.IDRef{ID: leave}, Date: date, StartTimeInMinutes: 480,
						DurationInMinutes: 456, CalculatedDurationInMinutes: 456, DayPart: "Unknown", Status: "Manual",
						ApprovalLevel: "Approved",
					})
					continue
				}
				jitter := (i*7+day*3)%21 - 10
				terminal := int64(devTerminalMain)
				switch {
				case i%6 == 5:
					terminal = devTerminalApp
				case i%3 == 1:
					terminal = devTerminalWarehouse
				}
				arrive, leave := 480+jitter, 990+jitter
				if i%4 == 3 && day == 4 {
					continue // part-timers are off on Friday
				}
				clock(person, date, arrive, shiftwire.ClockingInOut, terminal)
				switch {
				case terminal == devTerminalWarehouse:
					a := clock(person, date, arrive+5, shiftwire.ClockingActivity, terminal)
					a.ActivityLevels = []shiftwire.ActivityLevel{{Level: 1, ActivityDefinition: shiftwire.IDRef{ID: devActivityAssembly + int64(day%2)}}}
					if i%2 == 0 {
						a.ActivityLevels = append(a.ActivityLevels, shiftwire.ActivityLevel{Level: 2, ActivityDefinition: shiftwire.IDRef{ID: devActivityQuality}})
					}
					clock(person, date, leave-5, shiftwire.ClockingActivityEnd, terminal)
				case (i+day)%9 == 0:
					clock(person, date, 600+jitter, shiftwire.ClockingInOut, terminal)
					r := clock(person, date, 600+jitter, shiftwire.ClockingReason, terminal)
					r.Reason = &shiftwire.IDRef{ID: devAbsenceDoctor}
					clock(person, date, 690+jitter, shiftwire.ClockingInOut, terminal)
				case (i+day)%11 == 0:
					r := clock(person, date, 840+jitter, shiftwire.ClockingReason, terminal)
					r.Reason = &shiftwire.IDRef{ID: devAbsenceErrand}
				}
				clock(person, date, leave, shiftwire.ClockingInOut, terminal)
				// A worked day earns a meal voucher; staying late, overtime.
				counterID++
				out = append(out, &shiftwire.Counter{
					Base: shiftwire.Base{ID: counterID}, ShiftDefinition: &shiftwire.IDRef{ID: devShiftDay}, NumberOfInstances: 1,
					Status: "Auto", IsAuthorized: true, Person: shiftwire.IDRef{ID: int64(person)}, PeriodType: "Day",
					CounterDefinition: shiftwire.IDRef{ID: devCounterMealVoucher}, Date: date,
				})
				if jitter > 4 {
					counterID++
					out = append(out, &shiftwire.Counter{
						Base: shiftwire.Base{ID: counterID}, ShiftDefinition: &shiftwire.IDRef{ID: devShiftDay}, Status: "Auto",
						IsAuthorized: i%2 == 0, Person: shiftwire.IDRef{ID: int64(person)}, PeriodType: "Day",
						CounterDefinition: shiftwire.IDRef{ID: devCounterOvertime}, Date: date,
						StartTimeInMinutes: 990, EndTimeInMinutes: leave, DurationInMinutes: leave - 990,
					})
				}
			}
		}
	}
	// The first person forgot to clock in on Monday at the right time; a manager corrected
	// it: saved again with the right time, keeping the original.
	for _, r := range out {
		if c, ok := r.(*shiftwire.Clocking); ok {
			edited := *c
			edited.TimeOfDayInMinutes -= 12
			return append(out, &edited)
		}
	}
	return out
}

// devAbsence returns the absence definition of person i's absence on a day of the data set,
// 0 for none: a day of annual leave for some, a day of sickness for others.
func devAbsence(i, week, day int) int64 {
	switch {
	case i%10 == 2 && week == 1 && day == 2:
		return devAbsenceAnnualLeave
	case i%13 == 4 && week == 2 && day == 0:
		return devAbsenceSickness
	}
	return 0
}

package shiftwire

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// recalcSpan is a person's dates that a transaction's writes bore on.
type recalcSpan struct {
	person   int64
	from, to string
}

// markRecalc notes the days an object of t, as it was (before) or is now (after), bears
// on; nil data notes nothing.
func (w *ObjectWriter) markRecalc(t *CollectionType, data ...[]byte) {
	if t.Recalc == nil {
		return
	}
	for _, d := range data {
		if d == nil {
			continue
		}
		if person, from, to, ok := t.Recalc(d); ok {
			w.recalc = append(w.recalc, recalcSpan{person, from, to})
		}
	}
}

// recalculate recalculates, in the transaction, every person-month the transaction's writes
// bore on: the calculated totals and paid presences of the days with activity are created
// or updated when their content changes, and those of days left without activity are
// deleted. A write that changes no total writes nothing.
func (w *ObjectWriter) recalculate(ctx context.Context) error {
	months, err := w.recalcMonths(ctx)
	if err != nil {
		return err
	}
	for _, m := range months {
		if err := w.recalculateMonth(ctx, m.person, m.month); err != nil {
			return err
		}
	}
	w.recalc = nil
	return nil
}

type personMonth struct {
	person int64
	month  string // YYYY-MM
}

// recalcMonths turns the marked spans into person-months. A single day is its month; a
// longer span, such as a contract's, is every month in it that has calculated totals (every
// day with activity has them, since each of its writes was recalculated).
func (w *ObjectWriter) recalcMonths(ctx context.Context) ([]personMonth, error) {
	var out []personMonth
	add := func(person int64, date string) {
		m := personMonth{person, date[:7]}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	for _, s := range w.recalc {
		if s.from == s.to {
			add(s.person, s.from)
			continue
		}
		totals, err := w.tx.List(ctx, personDays(CalculatedTotals, s.person, s.from, s.to))
		if err != nil {
			return nil, err
		}
		for _, o := range totals {
			if d := stringAt(o.Data, "date"); ValidDate(d) {
				add(s.person, d)
			}
		}
	}
	return out, nil
}

// personDays selects the objects of a dated collection of one person from one date to
// another.
func personDays(collection string, person int64, from, to string) ObjectQuery {
	return ObjectQuery{Collection: collection, Where: []KeyMatch{
		{Name: "date", From: from, To: to},
		{Name: "person", In: []string{strconv.FormatInt(person, 10)}},
	}}
}

// recalculateMonth recalculates one person's month.
func (w *ObjectWriter) recalculateMonth(ctx context.Context, person int64, month string) error {
	first, err := time.Parse("2006-01", month)
	if err != nil {
		return err
	}
	from, to := first.Format(time.DateOnly), first.AddDate(0, 1, -1).Format(time.DateOnly)

	days := map[string]*DayActivity{}
	day := func(date string) *DayActivity {
		if days[date] == nil {
			days[date] = &DayActivity{Date: date}
		}
		return days[date]
	}
	clockings, err := w.tx.List(ctx, personDays(Clockings, person, from, to))
	if err != nil {
		return err
	}
	for _, o := range clockings {
		var c Clocking
		if err := json.Unmarshal(o.Data, &c); err != nil {
			return fmt.Errorf("recalculate: clocking %d: %w", o.ID, err)
		}
		d := day(c.Date)
		d.Clockings = append(d.Clockings, &c)
	}
	absences, err := w.tx.List(ctx, personDays(Absences, person, from, to))
	if err != nil {
		return err
	}
	for _, o := range absences {
		raw, _ := jsonPath(o.Data, []string{"durationInMinutes"})
		minutes, _ := strconv.Atoi(string(raw))
		d := day(stringAt(o.Data, "date"))
		d.AbsenceMinutes = append(d.AbsenceMinutes, minutes)
	}
	contractObjs, err := w.tx.List(ctx, ObjectQuery{Collection: Contracts, Where: []KeyMatch{{Name: "person", In: []string{strconv.FormatInt(person, 10)}}}})
	if err != nil {
		return err
	}
	var contracts []*Contract
	for _, o := range contractObjs {
		var c Contract
		if err := json.Unmarshal(o.Data, &c); err != nil {
			return fmt.Errorf("recalculate: contract %d: %w", o.ID, err)
		}
		contracts = append(contracts, &c)
	}
	var activity []DayActivity
	for _, d := range days {
		d.Contract = ContractOn(contracts, d.Date)
		activity = append(activity, *d)
	}
	totals := CalculateMonth(activity)

	if err := w.syncDays(ctx, CalculatedTotals, person, from, to, totals, func(t DayTotals) string {
		return fmt.Sprintf(`{"person":{"id":%d},"date":%q,"normalTimeDurationInMinutes":%d,"timePresentDurationInMinutes":%d,`+
			`"calculatedPresenceDurationInMinutes":%d,"weeklyHours1DurationInMinutes":0,"weeklyHours2DurationInMinutes":0,"weeklyHours3DurationInMinutes":0,`+
			`"payPeriodHoursDurationInMinutes":%d,"flextimeDurationInMinutes":%d,"flextimeBalanceInMinutes":%d}`,
			person, t.Date, t.NormalTime, t.TimePresent, t.CalculatedPresence, t.PayPeriodHours, t.Flextime, t.FlextimeBalance)
	}); err != nil {
		return err
	}
	return w.syncDays(ctx, PaidPresences, person, from, to, totals, func(t DayTotals) string {
		return fmt.Sprintf(`{"person":{"id":%d},"date":%q,"durationInMinutes":%d}`, person, t.Date, t.CalculatedPresence)
	})
}

// syncDays makes the objects of a recalculated collection for one person's days from..to
// what totals say: body renders a day's write body. An unchanged object is left alone, so
// it gets no change and no event; the object of a day without totals is deleted. When a
// day has several objects, the lowest id is the recalculated one and the others are kept.
func (w *ObjectWriter) syncDays(ctx context.Context, collection string, person int64, from, to string, totals []DayTotals, body func(DayTotals) string) error {
	t := mustCollectionType(collection)
	existing, err := w.tx.List(ctx, personDays(collection, person, from, to))
	if err != nil {
		return err
	}
	byDate := map[string]*Object{}
	for _, o := range existing { // in id order: the first of a day is its own
		if d := stringAt(o.Data, "date"); byDate[d] == nil {
			byDate[d] = o
		}
	}
	for _, total := range totals {
		prev := byDate[total.Date]
		delete(byDate, total.Date)
		id := int64(0)
		if prev != nil {
			id = prev.ID
		}
		r, err := t.Decode([]byte(body(total)), id)
		if err != nil {
			return fmt.Errorf("recalculate %s: %w", collection, err)
		}
		if id == 0 {
			if id, err = w.tx.NextID(ctx, collection); err != nil {
				return err
			}
			r.setID(id)
		}
		if prev != nil {
			data, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if string(data) == string(prev.Data) {
				continue
			}
		}
		if _, err := w.put(ctx, t, r); err != nil {
			return err
		}
	}
	for _, date := range slices.Sorted(maps.Keys(byDate)) {
		v, err := w.tx.Delete(ctx, collection, byDate[date].ID)
		if err != nil {
			return err
		}
		w.summary.add(v)
	}
	return nil
}

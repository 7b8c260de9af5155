package shiftwire

import (
	"encoding/json"
	"strconv"
)

// RecalcSpan says which of a person's days an object of a collection bears on, for the
// recalculation of SPEC 6.1: the person and the first and last date, read from the object's
// JSON. ok is false when the object bears on none.
type RecalcSpan func(data []byte) (person int64, from, to string, ok bool)

// recalcOnDay is the RecalcSpan of dated objects, such as clockings and absences: the
// person.id and date of the object.
func recalcOnDay(data []byte) (int64, string, string, bool) {
	person, date := personOf(data), stringAt(data, "date")
	return person, date, date, person != 0 && ValidDate(date)
}

// recalcOverPeriod is the RecalcSpan of contracts: every day from from to until (open-ended
// when until is empty).
func recalcOverPeriod(data []byte) (int64, string, string, bool) {
	person, from, until := personOf(data), stringAt(data, "from"), stringAt(data, "until")
	if until == "" {
		until = "9999-12-31"
	}
	return person, from, until, person != 0 && ValidDate(from)
}

func personOf(data []byte) int64 {
	raw, _ := jsonPath(data, []string{"person", "id"})
	id, _ := strconv.ParseInt(string(raw), 10, 64)
	return id
}

func stringAt(data []byte, field string) string {
	raw, _ := jsonPath(data, []string{field})
	var s string
	if len(raw) > 0 && raw[0] == '"' {
		json.Unmarshal(raw, &s)
	}
	return s
}

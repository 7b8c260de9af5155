package shiftwire

// CalculatedTotal is an object of the calculated-totals collection: the totals of one
// person's day, one object per person and day, which Protime recalculates whenever what
// bears on the day changes.
type CalculatedTotal struct {
	Base
	Person                              IDRef  `json:"person"`
	Date                                string `json:"date"`
	NormalTimeDurationInMinutes         int    `json:"normalTimeDurationInMinutes"`
	TimePresentDurationInMinutes        int    `json:"timePresentDurationInMinutes"`
	CalculatedPresenceDurationInMinutes int    `json:"calculatedPresenceDurationInMinutes"`
	WeeklyHours1DurationInMinutes       int    `json:"weeklyHours1DurationInMinutes"`
	WeeklyHours2DurationInMinutes       int    `json:"weeklyHours2DurationInMinutes"`
	WeeklyHours3DurationInMinutes       int    `json:"weeklyHours3DurationInMinutes"`
	PayPeriodHoursDurationInMinutes     int    `json:"payPeriodHoursDurationInMinutes"`
	// FlextimeDurationInMinutes and FlextimeBalanceInMinutes are negative when the day, or
	// the month so far, falls short of the normal time.
	FlextimeDurationInMinutes int `json:"flextimeDurationInMinutes"`
	FlextimeBalanceInMinutes  int `json:"flextimeBalanceInMinutes"`
}

var calculatedTotalType = &CollectionType{
	Name:         CalculatedTotals,
	Subscribable: true,
	New:          func() Record { return new(CalculatedTotal) },
	DecodeFields: decodeCalculatedTotal,
	Refs:         []Ref{{Field: "person", Collection: People}},
	Filters:      dayFilters(),
	Example: `{"person":{"id":1},"date":"2025-01-02","normalTimeDurationInMinutes":456,"timePresentDurationInMinutes":480,` +
		`"calculatedPresenceDurationInMinutes":480,"weeklyHours1DurationInMinutes":936,"weeklyHours2DurationInMinutes":0,` +
		`"weeklyHours3DurationInMinutes":0,"payPeriodHoursDurationInMinutes":936,"flextimeDurationInMinutes":24,"flextimeBalanceInMinutes":-12}`,
}

// decodeCalculatedTotal reads a calculated total; person.id and date are required. The
// totals are sums over a week or a month, so they are bounded only by the integer range:
// from 0, and the flextime fields from below 0 too.
func decodeCalculatedTotal(f *Fields) Record {
	c := &CalculatedTotal{}
	c.Person, c.Date = readPersonDay(f)
	total := func(name string) int {
		n, _ := readInt(f, name, false, 0, MaxObjectID)
		return n
	}
	c.NormalTimeDurationInMinutes = total("normalTimeDurationInMinutes")
	c.TimePresentDurationInMinutes = total("timePresentDurationInMinutes")
	c.CalculatedPresenceDurationInMinutes = total("calculatedPresenceDurationInMinutes")
	c.WeeklyHours1DurationInMinutes = total("weeklyHours1DurationInMinutes")
	c.WeeklyHours2DurationInMinutes = total("weeklyHours2DurationInMinutes")
	c.WeeklyHours3DurationInMinutes = total("weeklyHours3DurationInMinutes")
	c.PayPeriodHoursDurationInMinutes = total("payPeriodHoursDurationInMinutes")
	c.FlextimeDurationInMinutes, _ = readInt(f, "flextimeDurationInMinutes", false, -MaxObjectID, MaxObjectID)
	c.FlextimeBalanceInMinutes, _ = readInt(f, "flextimeBalanceInMinutes", false, -MaxObjectID, MaxObjectID)
	return c
}

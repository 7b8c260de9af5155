package shiftwire

// ClockingKind is what a clocking records.
type ClockingKind string

// The clocking kinds of the seed document.
const (
	ClockingInOut       ClockingKind = "InOut"
	ClockingReason      ClockingKind = "Reason"
	ClockingActivity    ClockingKind = "Activity"
	ClockingActivityEnd ClockingKind = "ActivityEnd"
)

// ClockingStatus is the state of a clocking. Deleting a clocking keeps it with status
// Deleted, as Protime does, so consumers see the deletion as an update.
type ClockingStatus string

// The clocking statuses of the seed document.
const (
	ClockingStatusUnknown ClockingStatus = "Unknown"
	ClockingActive        ClockingStatus = "Active"
	ClockingDeleted       ClockingStatus = "Deleted"
)

// Clocking is an object of the clockings collection: one registration of a person at a time
// of a day. Its fields are the seed document's event properties.
type Clocking struct {
	Base
	Person IDRef  `json:"person"`
	Date   string `json:"date"` // YYYY-MM-DD
	// TimeOfDayInMinutes counts from midnight of Date, from -1440 to 2880, so clockings of a
	// night shift belong to the day the shift started.
	TimeOfDayInMinutes int `json:"timeOfDayInMinutes"`
	// OriginalTimeOfDayInMinutes is the time before the first edit; nil until the clocking
	// is edited, and kept from then on.
	OriginalTimeOfDayInMinutes   *int            `json:"originalTimeOfDayInMinutes,omitempty"`
	CalculatedTimeOfDayInMinutes int             `json:"calculatedTimeOfDayInMinutes"`
	IsGenerated                  bool            `json:"isGenerated"`
	Terminal                     *IDRef          `json:"terminal,omitempty"`
	Geolocation                  *Geolocation    `json:"geolocation,omitempty"`
	Kind                         ClockingKind    `json:"kind"`
	Reason                       *IDRef          `json:"reason,omitempty"`         // an absence definition; kind Reason only
	IsOpen                       *bool           `json:"isOpen,omitempty"`         // kind Reason only
	ActivityLevels               []ActivityLevel `json:"activityLevels,omitempty"` // kind Activity only
	Status                       ClockingStatus  `json:"status"`
}

// Geolocation is where a clocking was registered.
type Geolocation struct {
	Longitude float64 `json:"longitude"`
	Latitude  float64 `json:"latitude"`
}

// ActivityLevel is one level of the activity a clocking of kind Activity starts.
type ActivityLevel struct {
	Level              int   `json:"level"`
	ActivityDefinition IDRef `json:"activityDefinition"`
}

// The limits of a clocking.
const (
	MinTimeOfDayInMinutes = -1440
	MaxTimeOfDayInMinutes = 2880
	maxActivityLevels     = 20
	maxActivityLevel      = 99
)

var clockingKinds = []string{string(ClockingInOut), string(ClockingReason), string(ClockingActivity), string(ClockingActivityEnd)}

var clockingType = &CollectionType{
	Name:         Clockings,
	Subscribable: true,
	New:          func() Record { return new(Clocking) },
	DecodeFields: decodeClocking,
	Recalc:       recalcOnDay,
	Prepare:      prepareClocking,
	Refs: []Ref{
		{Field: "person", Collection: People},
		{Field: "terminal", Collection: Terminals},
		{Field: "activityLevels", Item: "activityDefinition", Collection: ActivityDefinitions},
		{Field: "reason", Collection: AbsenceDefinitions},
	},
	Filters: []ListFilter{
		DateFilter("date", "date", RequiredYearRange),
		IDFilter("person", "person.id"),
		ValueFilter("kind", "kind", clockingKinds...),
	},
	SoftDelete: func(r Record) bool {
		c := r.(*Clocking)
		if c.Status == ClockingDeleted {
			return false
		}
		c.Status = ClockingDeleted
		return true
	},
	Example: `{"person":{"id":1},"date":"2025-01-02","timeOfDayInMinutes":480,"terminal":{"id":1},` +
		`"geolocation":{"longitude":4.3517,"latitude":50.8503},"kind":"Activity","activityLevels":[{"level":1,"activityDefinition":{"id":1}}]}`,
}

// decodeClocking reads a clocking. person.id, date, timeOfDayInMinutes and kind are
// required; reason.id is required on, and only allowed on, kind Reason; isOpen is only
// allowed on kind Reason, false when omitted; activityLevels is required on, and only
// allowed on, kind Activity. The fields the server computes are ignored.
func decodeClocking(f *Fields) Record {
	f.Ignore("originalTimeOfDayInMinutes", "calculatedTimeOfDayInMinutes", "isGenerated", "status")
	c := &Clocking{}
	if p := readRef(f, "person", true); p != nil {
		c.Person = *p
	}
	c.Date = readDate(f, "date", true)
	c.TimeOfDayInMinutes, _ = readInt(f, "timeOfDayInMinutes", true, MinTimeOfDayInMinutes, MaxTimeOfDayInMinutes)
	c.Terminal = readRef(f, "terminal", false)
	if g, ok := f.Object("geolocation", false); ok {
		lon, okLon := readNumber(g, "longitude", true, -180, 180)
		lat, okLat := readNumber(g, "latitude", true, -90, 90)
		g.Done()
		if okLon && okLat {
			c.Geolocation = &Geolocation{Longitude: lon, Latitude: lat}
		}
	}
	kind, kindOK := readEnum(f, "kind", true, clockingKinds...)
	c.Kind = ClockingKind(kind)

	hasReason := f.Has("reason")
	c.Reason = readRef(f, "reason", false)
	hasOpen := f.Has("isOpen")
	open, _ := f.Bool("isOpen", false)
	hasLevels := f.Has("activityLevels")
	var items int
	c.ActivityLevels, items = readActivityLevels(f)
	if !kindOK {
		return c
	}
	switch {
	case c.Kind == ClockingReason && !hasReason:
		f.Fail("reason.id", "is required on a clocking of kind Reason")
	case c.Kind != ClockingReason && hasReason:
		f.Fail("reason", "is only allowed on a clocking of kind Reason, not %s", c.Kind)
		c.Reason = nil
	}
	switch {
	case c.Kind == ClockingReason:
		c.IsOpen = &open
	case hasOpen:
		f.Fail("isOpen", "is only allowed on a clocking of kind Reason, not %s", c.Kind)
	}
	switch {
	case c.Kind == ClockingActivity && !hasLevels:
		f.Fail("activityLevels", "is required on a clocking of kind Activity")
	case c.Kind == ClockingActivity && items == 0:
		f.Fail("activityLevels", "must hold at least one level")
	case c.Kind != ClockingActivity && hasLevels:
		f.Fail("activityLevels", "is only allowed on a clocking of kind Activity, not %s", c.Kind)
		c.ActivityLevels = nil
	}
	return c
}

// readActivityLevels reads the activity levels and returns them with the number of
// elements the array held, valid or not.
func readActivityLevels(f *Fields) ([]ActivityLevel, int) {
	return readLevels(f, func(el *Fields, level int) (ActivityLevel, bool) {
		def := readRef(el, "activityDefinition", true)
		if def == nil {
			return ActivityLevel{}, false
		}
		return ActivityLevel{Level: level, ActivityDefinition: *def}, true
	})
}

// readLevels reads an activityLevels array with a clocking's rules: at most
// maxActivityLevels elements, levels from 1 to maxActivityLevel, each once; item reads the
// rest of an element. It returns the levels read and how many elements the array held,
// valid or not (-1 when it is missing).
func readLevels[L any](f *Fields, item func(el *Fields, level int) (L, bool)) ([]L, int) {
	items, ok := f.Array("activityLevels", false)
	if !ok {
		return nil, -1
	}
	if len(items) > maxActivityLevels {
		f.Fail("activityLevels", "has %d levels; at most %d are allowed", len(items), maxActivityLevels)
		return nil, len(items)
	}
	var levels []L
	seen := map[int]bool{}
	for i, raw := range items {
		el, ok := f.Element("activityLevels", i, raw)
		if !ok {
			continue
		}
		level, okLevel := readInt(el, "level", true, 1, maxActivityLevel)
		l, okItem := item(el, level)
		el.Done()
		if okLevel && seen[level] {
			el.Fail("level", "%d appears twice; each level may appear once", level)
			continue
		}
		seen[level] = true
		if okLevel && okItem {
			levels = append(levels, l)
		}
	}
	return levels, len(items)
}

// prepareClocking sets what the server decides: a clocking written through the API is
// Active, not generated, and its calculated time is its time. Editing the time keeps the
// original one: the time before the first edit, recorded then and kept afterwards.
func prepareClocking(r Record, prev Record) {
	c := r.(*Clocking)
	c.CalculatedTimeOfDayInMinutes = c.TimeOfDayInMinutes
	c.IsGenerated = false
	c.Status = ClockingActive
	c.OriginalTimeOfDayInMinutes = nil
	if p, ok := prev.(*Clocking); ok {
		switch {
		case p.OriginalTimeOfDayInMinutes != nil:
			original := *p.OriginalTimeOfDayInMinutes
			c.OriginalTimeOfDayInMinutes = &original
		case p.TimeOfDayInMinutes != c.TimeOfDayInMinutes:
			original := p.TimeOfDayInMinutes
			c.OriginalTimeOfDayInMinutes = &original
		}
	}
}

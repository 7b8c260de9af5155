package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/shiftwire/shiftwire"
)

// The limits of simulate: a run is bounded in time and so in changes.
const (
	maxSimulateRate     = 10000
	maxSimulateDuration = 24 * time.Hour
	maxSimulatePeople   = 10000
	// simulateTick is how often simulate sends the changes that fell due: one POST /changes
	// a tick keeps a high rate well under the API's request rate limit.
	simulateTick = 100 * time.Millisecond
	// simulateBatch bounds the lines of one POST /changes.
	simulateBatch = 1000
)

// simulateConfig is the settings of simulate.
type simulateConfig struct {
	client   clientConfig
	rate     float64
	duration time.Duration
	people   int
	date     string
}

// runSimulate plays workforce days through the API at --rate changes a second until
// --duration has passed or ctx ends.
func runSimulate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := simulateConfig{rate: 10, duration: time.Minute, people: 50}
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	cfg.client.register(fs)
	fs.Float64Var(&cfg.rate, "rate", cfg.rate, "changes a second")
	fs.DurationVar(&cfg.duration, "duration", cfg.duration, "how long to play; the run stops then, or at Ctrl-C")
	fs.IntVar(&cfg.people, "people", cfg.people, "how many of the tenant's people take part (people are created when the tenant has none)")
	fs.StringVar(&cfg.date, "date", "", "the first day played, YYYY-MM-DD (default today); weekends are skipped")
	positional, err := parseFlags(fs, args, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return fmt.Errorf("simulate takes no arguments, got %q", positional)
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	first := time.Now()
	if cfg.date != "" {
		first, _ = time.Parse(time.DateOnly, cfg.date)
	}
	s := &simulation{cfg: cfg, api: newAPIClient(cfg.client), progress: stderr, now: time.Now}
	if err := s.prepare(ctx); err != nil {
		return err
	}
	s.days = newWorkdays(first, s.people)
	err = s.play(ctx)
	if s.changes != s.shown {
		s.showProgress()
	}
	if isTerminal(stderr) {
		fmt.Fprintln(stderr)
	}
	fmt.Fprintln(stdout, s.summary())
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil // Ctrl-C: the summary says what was sent
	}
	return err
}

// validate checks the flags of simulate.
func (c *simulateConfig) validate() error {
	var problems []string
	if err := c.client.validate(); err != nil {
		problems = append(problems, err.Error())
	}
	if !(c.rate > 0 && c.rate <= maxSimulateRate) {
		problems = append(problems, fmt.Sprintf("--rate must be more than 0 and at most %d changes a second", maxSimulateRate))
	}
	if c.duration <= 0 || c.duration > maxSimulateDuration {
		problems = append(problems, fmt.Sprintf("--duration must be more than 0 and at most %v", maxSimulateDuration))
	}
	if c.people < 1 || c.people > maxSimulatePeople {
		problems = append(problems, fmt.Sprintf("--people must be from 1 to %d", maxSimulatePeople))
	}
	if c.date != "" {
		if _, err := time.Parse(time.DateOnly, c.date); err != nil {
			problems = append(problems, fmt.Sprintf("--date must be YYYY-MM-DD; got %q", c.date))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// simKind is the kind of one simulated change.
type simKind int

const (
	simClockIn simKind = iota
	simBreakOut
	simBreakIn
	simClockOut
	simCorrection
	simAbsence
	simContract
	simKinds
)

var simKindNames = [simKinds]string{"clock-ins", "breaks out", "breaks in", "clock-outs", "corrections", "absences", "contract changes"}

// simAction is one change of a simulated day: person (an index into the people) does kind
// at minute of the day.
type simAction struct {
	minute int
	kind   simKind
	person int
	// in is the clock-in time a correction moves, in minutes.
	in int
}

// planDay returns the changes of working day number day (from 0) for people people, in
// the order of the day: most people clock in in the morning, go out for lunch and back, and
// clock out; about one in twenty is sick, which a manager records as an absence at 7:00;
// about one in fifteen forgot to clock in on time, which a manager corrects after they
// leave; about one in twenty-five gets a contract change at 10:00.
func planDay(day int64, people int) []simAction {
	var out []simAction
	for p := range people {
		h := simHash(p, day)
		if h%20 == 0 {
			out = append(out, simAction{minute: 420, kind: simAbsence, person: p})
			continue
		}
		m := workdayMinutes(p, day)
		out = append(out,
			simAction{minute: m[0], kind: simClockIn, person: p},
			simAction{minute: m[1], kind: simBreakOut, person: p},
			simAction{minute: m[2], kind: simBreakIn, person: p},
			simAction{minute: m[3], kind: simClockOut, person: p})
		if h>>16%15 == 0 {
			out = append(out, simAction{minute: m[3] + 20, kind: simCorrection, person: p, in: m[0]})
		}
		if h>>32%25 == 0 {
			out = append(out, simAction{minute: 600, kind: simContract, person: p})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].minute < out[j].minute })
	return out
}

// simHash mixes a person and a day into 64 bits (SplitMix64's finalizer), so that who is
// sick, corrected or given a new contract varies from day to day without a pattern.
func simHash(p int, day int64) uint64 {
	x := uint64(p)<<32 ^ uint64(day) + 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// workdays yields the actions of working day after working day, skipping weekends.
type workdays struct {
	date    time.Time // of the current day
	day     int64     // its number, from 0
	people  int
	actions []simAction
}

func newWorkdays(first time.Time, people []int64) *workdays {
	d := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, time.UTC)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return &workdays{date: d, people: len(people), actions: planDay(0, len(people))}
}

// next returns the next action and its date.
func (w *workdays) next() (simAction, string) {
	for len(w.actions) == 0 {
		w.day++
		w.date = w.date.AddDate(0, 0, 1)
		for w.date.Weekday() == time.Saturday || w.date.Weekday() == time.Sunday {
			w.date = w.date.AddDate(0, 0, 1)
		}
		w.actions = planDay(w.day, w.people)
	}
	a := w.actions[0]
	w.actions = w.actions[1:]
	return a, w.date.Format(time.DateOnly)
}

// simulation is one run of simulate.
type simulation struct {
	cfg      simulateConfig
	api      *apiClient
	progress io.Writer
	now      func() time.Time

	people   []int64 // the ids of the people who take part
	terminal int64
	sickness int64 // the absence definition of a sick day
	days     *workdays

	counts   [simKinds]int
	changes  int
	requests int
	skipped  int // corrections whose clocking was not found
	started  time.Time
	lastDate string
	lastMin  int
	shown    int // the changes the last progress line counted
}

// prepare finds what the changes refer to: the tenant's people, a terminal and an absence
// definition, creating them when there are none.
func (s *simulation) prepare(ctx context.Context) error {
	ids := func(collection string, limit int) ([]simRef, error) {
		var out []simRef
		errEnough := errors.New("enough")
		err := s.api.list(ctx, apiPrefix+"/"+collection, func(raw json.RawMessage) error {
			var o simRef
			if err := json.Unmarshal(raw, &o); err != nil {
				return err
			}
			out = append(out, o)
			if len(out) == limit {
				return errEnough
			}
			return nil
		})
		if errors.Is(err, errEnough) {
			err = nil
		}
		return out, err
	}
	people, err := ids(shiftwire.People, s.cfg.people)
	if err != nil {
		return err
	}
	var lines []string
	if len(people) == 0 {
		for i := range s.cfg.people {
			first, last := devFirstNames[i%len(devFirstNames)], devLastNames[(i/len(devFirstNames)+i)%len(devLastNames)]
			lines = append(lines, simLine(shiftwire.People, map[string]any{"firstName": first, "lastName": last,
				"badgeNumber": fmt.Sprintf("S%06d", i+1), "employeeNumber": fmt.Sprintf("SIM-%04d", i+1)}))
		}
	}
	terminals, err := ids(shiftwire.Terminals, 1)
	if err != nil {
		return err
	}
	if len(terminals) == 0 {
		lines = append(lines, simLine(shiftwire.Terminals, map[string]any{"name": "Main entrance", "externalCode": "T-SIM"}))
	}
	definitions, err := ids(shiftwire.AbsenceDefinitions, 0)
	if err != nil {
		return err
	}
	if len(definitions) == 0 {
		lines = append(lines, simLine(shiftwire.AbsenceDefinitions, map[string]any{"name": map[string]any{"default": "Sickness", "translations": map[string]string{}}, "code": "ZK"}))
	}
	if len(lines) > 0 {
		if err := s.post(ctx, lines); err != nil {
			return fmt.Errorf("creating what the simulation needs: %w", err)
		}
		fmt.Fprintf(s.progress, "created %d objects the simulation needs\n", len(lines))
		if len(people) == 0 {
			if people, err = ids(shiftwire.People, s.cfg.people); err != nil {
				return err
			}
		}
		if terminals, err = ids(shiftwire.Terminals, 1); err != nil {
			return err
		}
		if definitions, err = ids(shiftwire.AbsenceDefinitions, 0); err != nil {
			return err
		}
	}
	if len(people) == 0 || len(terminals) == 0 || len(definitions) == 0 {
		return errors.New("the tenant has no people, terminal or absence definition after creating them")
	}
	for _, p := range people {
		s.people = append(s.people, p.ID)
	}
	s.terminal = terminals[0].ID
	s.sickness = definitions[0].ID
	for _, d := range definitions {
		if d.Code == "ZK" {
			// The dev data set's sickness.
			s.sickness = d.ID
			break
		}
	}
	return nil
}

// simRef is what simulate reads of the objects its changes refer to.
type simRef struct {
	ID   int64  `json:"id"`
	Code string `json:"code"`
}

// simLine is one InsertOrUpdate line of POST /changes.
func simLine(collection string, data map[string]any) string {
	b, _ := json.Marshal(map[string]any{"collection": collection, "changeType": "InsertOrUpdate", "data": data})
	return string(b)
}

// post sends lines as one POST /changes.
func (s *simulation) post(ctx context.Context, lines []string) error {
	if len(lines) == 0 {
		return nil
	}
	body := []byte(strings.Join(lines, "\n") + "\n")
	status, answer, err := s.api.do(ctx, http.MethodPost, apiPrefix+"/changes", "application/x-ndjson", body)
	if err != nil {
		return err
	}
	s.requests++
	if status != http.StatusOK {
		return fmt.Errorf("POST /changes: %w", &serverError{status, string(answer)})
	}
	return nil
}

// play sends the changes as they fall due at the rate, until --duration has passed or ctx
// ends. The duration ends the run between requests, never in the middle of one: a request
// cut short might have committed, and the counts would no longer be what the server holds.
func (s *simulation) play(ctx context.Context) error {
	s.started = s.now()
	budget := int(math.Ceil(s.cfg.rate * s.cfg.duration.Seconds()))
	ticker := time.NewTicker(simulateTick)
	defer ticker.Stop()
	lastProgress := time.Time{}
	for {
		elapsed := min(s.now().Sub(s.started), s.cfg.duration)
		due := min(int(s.cfg.rate*elapsed.Seconds()), budget)
		// One tick gathers at most simulateBatch changes, and stops when the duration is
		// over: a server slower than the rate must not keep the run going past it.
		var b simBatch
		for gathered := 0; s.changes+len(b.lines) < due && gathered < simulateBatch && s.now().Sub(s.started) < s.cfg.duration; gathered++ {
			a, date := s.days.next()
			if a.kind == simCorrection || a.kind == simContract {
				// These read what earlier changes wrote: send those first.
				if err := s.flush(ctx, &b); err != nil {
					return err
				}
			}
			line, err := s.change(ctx, a, date)
			if err != nil {
				return err
			}
			if line != "" {
				b.add(line, a, date)
			}
		}
		if err := s.flush(ctx, &b); err != nil {
			return err
		}
		if now := s.now(); s.changes > 0 && (now.Sub(lastProgress) >= time.Second || s.changes >= budget) {
			lastProgress = now
			s.showProgress()
		}
		if s.changes >= budget || elapsed >= s.cfg.duration {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}
	}
}

// simBatch is the changes of one POST /changes being gathered.
type simBatch struct {
	lines  []string
	counts [simKinds]int
	date   string
	minute int
}

func (b *simBatch) add(line string, a simAction, date string) {
	b.lines = append(b.lines, line)
	b.counts[a.kind]++
	b.date, b.minute = date, a.minute
}

// flush sends the batch and counts its changes once the server took them, and empties it.
func (s *simulation) flush(ctx context.Context, b *simBatch) error {
	if len(b.lines) == 0 {
		return nil
	}
	if err := s.post(ctx, b.lines); err != nil {
		return err
	}
	s.changes += len(b.lines)
	for k, n := range b.counts {
		s.counts[k] += n
	}
	s.lastDate, s.lastMin = b.date, b.minute
	*b = simBatch{}
	return nil
}

// change returns the line of one action; "" when there is nothing to change.
func (s *simulation) change(ctx context.Context, a simAction, date string) (string, error) {
	person := s.people[a.person]
	clocking := func(minutes int) string {
		return simLine(shiftwire.Clockings, map[string]any{"person": map[string]any{"id": person}, "date": date,
			"timeOfDayInMinutes": minutes, "terminal": map[string]any{"id": s.terminal}, "kind": "InOut"})
	}
	switch a.kind {
	case simClockIn, simBreakOut, simBreakIn, simClockOut:
		return clocking(a.minute), nil
	case simAbsence:
		return simLine(shiftwire.Absences, map[string]any{"person": map[string]any{"id": person},
			"resultingAbsenceDefinition": map[string]any{"id": s.sickness}, "date": date, "startTimeInMinutes": 480,
			"durationInMinutes": 456, "calculatedDurationInMinutes": 456, "status": "Manual", "approvalLevel": "Approved"}), nil
	case simCorrection:
		return s.correction(ctx, person, date, a.in)
	case simContract:
		return s.contractChange(ctx, person, date)
	}
	return "", fmt.Errorf("unknown simulated change %d", a.kind)
}

// correction moves the person's clock-in of date 10 minutes earlier, as a manager does for
// who forgot to clock on arrival; the clocking keeps its original time.
func (s *simulation) correction(ctx context.Context, person int64, date string, in int) (string, error) {
	filter := fmt.Sprintf("date eq '%s' and person eq %d and kind eq 'InOut'", date, person)
	var found map[string]any
	err := s.api.list(ctx, apiPrefix+"/"+shiftwire.Clockings+"?filter="+url.QueryEscape(filter), func(raw json.RawMessage) error {
		var c map[string]any
		if err := json.Unmarshal(raw, &c); err != nil {
			return err
		}
		if t, _ := c["timeOfDayInMinutes"].(float64); int(t) == in && found == nil {
			found = c
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if found == nil {
		s.skipped++
		return "", nil
	}
	found["timeOfDayInMinutes"] = in - 10
	return simLine(shiftwire.Clockings, found), nil
}

// contractChange gives the person an addendum to 80 % from date to their current contract,
// or a first contract when they have none.
func (s *simulation) contractChange(ctx context.Context, person int64, date string) (string, error) {
	var parent int64
	err := s.api.list(ctx, apiPrefix+"/"+shiftwire.Contracts+"?filter="+url.QueryEscape(fmt.Sprintf("person eq %d", person)), func(raw json.RawMessage) error {
		var c struct {
			ID   int64
			Kind string
			From string
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return err
		}
		if c.Kind == "Contract" && c.From <= date {
			parent = c.ID
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	data := map[string]any{"person": map[string]any{"id": person}, "from": date, "fullTimeEquivalentInMinutes": 2280,
		"numberOfDaysInContractPeriod": 7}
	if parent == 0 {
		data["code"], data["contractHoursInMinutes"], data["numberOfWorkingDaysPerWeek"], data["kind"] = "FT-38", 2280, 5, "Contract"
	} else {
		data["code"], data["contractHoursInMinutes"], data["numberOfWorkingDaysPerWeek"], data["kind"] = "PT-80", 1824, 4, "Addendum"
		data["parentContract"] = map[string]any{"id": parent}
	}
	return simLine(shiftwire.Contracts, data), nil
}

// showProgress writes the progress line: over the last one on a terminal, as a line of its
// own anywhere else, so that a log of it reads line by line.
func (s *simulation) showProgress() {
	s.shown = s.changes
	if isTerminal(s.progress) {
		fmt.Fprintf(s.progress, "\r\033[K%s", s.progressLine())
		return
	}
	fmt.Fprintln(s.progress, s.progressLine())
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressLine is the one line simulate keeps rewriting on stderr: the simulated time
// reached, the changes sent and their rate, and the count of each kind.
func (s *simulation) progressLine() string {
	elapsed := s.now().Sub(s.started)
	return fmt.Sprintf("%s %02d:%02d  %d changes in %d requests, %.1f/s: %s", s.lastDate, s.lastMin/60, s.lastMin%60,
		s.changes, s.requests, float64(s.changes)/max(elapsed.Seconds(), 0.001), s.kindCounts(false))
}

// kindCounts is the count of each kind of change sent, "clock-ins 12, breaks out 3, ...",
// leaving out the kinds not sent yet unless all is set.
func (s *simulation) kindCounts(all bool) string {
	var parts []string
	for k, n := range s.counts {
		if n > 0 || all {
			parts = append(parts, fmt.Sprintf("%s %d", simKindNames[k], n))
		}
	}
	return strings.Join(parts, ", ")
}

// summary is what simulate prints on stdout at the end.
func (s *simulation) summary() string {
	line := fmt.Sprintf("simulated %d changes for %d people in %d requests over %v: %s", s.changes, len(s.people), s.requests,
		s.now().Sub(s.started).Round(time.Millisecond), s.kindCounts(true))
	if s.skipped > 0 {
		line += fmt.Sprintf("; %d corrections skipped (their clocking was not found)", s.skipped)
	}
	return line
}

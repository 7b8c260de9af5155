package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/bench"
)

// The workloads of shiftwire bench.
const (
	workloadBreakDefinitions = "break-definitions"
	workloadRealistic        = "realistic"
)

// realisticCollections are the collections the realistic workload's webhooks subscribe to,
// webhook i to realisticCollections[i%3]; clockings first, the one whose events the bench
// writes itself (and measures the latency of).
var realisticCollections = []string{shiftwire.Clockings, shiftwire.CalculatedTotals, shiftwire.PaidPresences}

// realisticSlots is the clockings of a person's working day: in, out for lunch, in, out.
const realisticSlots = 4

// realisticFirstDay is the Monday of the first working day clocked; contracts start before it.
var realisticFirstDay = time.Date(2025, time.January, 6, 0, 0, 0, 0, time.UTC)

// realisticClocking is clocking number id (from 1) of the realistic workload: the workforce
// clocks day after working day (Monday to Friday), and within a day slot after slot (every
// person clocks in, then every person goes to lunch, ...), so each write request of
// consecutive ids holds one moment of the day for many people, as a terminal's uploads would.
func realisticClocking(id int64, people int) (person int, date string, minutes int) {
	k := id - 1
	perDay := int64(people) * realisticSlots
	day, r := k/perDay, k%perDay
	slot, p := int(r/int64(people)), int(r%int64(people))
	d := realisticFirstDay.AddDate(0, 0, int(day/5)*7+int(day%5))
	return p + 1, d.Format(time.DateOnly), workdayMinutes(p, day)[slot]
}

// workdayMinutes is when person p (from 0) clocks on working day number day, in minutes
// after midnight: in, out for lunch, back in, out. Times vary by person and day: in 7:30 to
// 8:29, four hours to lunch give or take a quarter, 30 to 44 minutes of lunch, four hours and
// up to 45 minutes after it. shiftwire bench and shiftwire simulate play the same days.
func workdayMinutes(p int, day int64) [realisticSlots]int {
	h := uint64(p)*2654435761 + uint64(day)*40503
	in := 450 + int(h%60)
	lunchOut := in + 232 + int(h/60%16)
	lunchIn := lunchOut + 30 + int(h/960%15)
	out := lunchIn + 240 + int(h/14400%46)
	return [realisticSlots]int{in, lunchOut, lunchIn, out}
}

// realisticBody is the NDJSON body of POST /changes writing clockings first..last.
func realisticBody(people int) func(first, last int64) []byte {
	return func(first, last int64) []byte {
		var b bytes.Buffer
		for id := first; id <= last; id++ {
			person, date, minutes := realisticClocking(id, people)
			fmt.Fprintf(&b, `{"collection":"%s","changeType":"InsertOrUpdate","data":{"id":%d,"person":{"id":%d},"date":"%s",`+
				`"timeOfDayInMinutes":%d,"terminal":{"id":1},"kind":"InOut"}}`+"\n", shiftwire.Clockings, id, person, date, minutes)
		}
		return b.Bytes()
	}
}

// realisticSetup writes, through POST /changes, what the clockings refer to: people 1 to
// people, a terminal, and a contract of 38 hours over 5 days for each person.
func realisticSetup(ctx context.Context, api *benchAPI, people int) error {
	post := func(lines []string) error {
		for len(lines) > 0 {
			n := min(len(lines), 1000)
			body := strings.Join(lines[:n], "\n") + "\n"
			if _, err := api.call(ctx, http.MethodPost, "/connector/protimeapi/api/v1/changes", "application/x-ndjson", []byte(body), http.StatusOK); err != nil {
				return err
			}
			lines = lines[n:]
		}
		return nil
	}
	line := func(collection, data string) string {
		return `{"collection":"` + collection + `","changeType":"InsertOrUpdate","data":` + data + `}`
	}
	objects := []string{line(shiftwire.Terminals, `{"id":1,"name":"Bench entrance","externalCode":"T-BENCH"}`)}
	for p := 1; p <= people; p++ {
		n := strconv.Itoa(p)
		objects = append(objects, line(shiftwire.People, `{"id":`+n+`,"firstName":"Bench","lastName":"Person `+n+
			`","badgeNumber":"B-`+n+`","employeeNumber":"E-`+n+`"}`))
	}
	if err := post(objects); err != nil {
		return fmt.Errorf("people and terminal: %w", err)
	}
	var contracts []string
	for p := 1; p <= people; p++ {
		n := strconv.Itoa(p)
		contracts = append(contracts, line(shiftwire.Contracts, `{"id":`+n+`,"person":{"id":`+n+`},"code":"FT-38","from":"2025-01-01",`+
			`"contractHoursInMinutes":2280,"fullTimeEquivalentInMinutes":2280,"contractPercentage":100,`+
			`"numberOfWorkingDaysPerWeek":5,"numberOfDaysInContractPeriod":7,"kind":"Contract"}`))
	}
	if err := post(contracts); err != nil {
		return fmt.Errorf("contracts: %w", err)
	}
	return nil
}

// committedChanges returns shiftwire_changes_committed_total of each realistic collection,
// summed over the instances.
func (b *benchRun) committedChanges(ctx context.Context) ([]float64, error) {
	out := make([]float64, len(realisticCollections))
	for _, c := range b.children {
		m, err := bench.Scrape(ctx, http.DefaultClient, "http://"+c.addr+"/metrics")
		if err != nil {
			return nil, err
		}
		for i, coll := range realisticCollections {
			out[i] += m[`shiftwire_changes_committed_total{collection="`+coll+`"}`]
		}
	}
	return out, nil
}

// realisticReport is what the realistic workload adds to the report.
type realisticReport struct {
	People int `json:"people"`
	// Clockings are the clockings written (committed); Requests the write requests.
	Clockings int64 `json:"clockings"`
	Requests  int64 `json:"requests"`
	// ChangesPerClocking is the changes committed in the three collections (recalculated
	// totals and paid presences included) per clocking written, whatever the webhooks.
	ChangesPerClocking float64 `json:"changesPerClocking"`
	// EventsPerRequest and EventsPerClocking are the events expected at the webhooks (all
	// three collections) per write request and per clocking written.
	EventsPerRequest  float64             `json:"eventsPerRequest"`
	EventsPerClocking float64             `json:"eventsPerClocking"`
	Collections       []realisticCollStat `json:"collections"`
}

// realisticCollStat is one collection's part of a realistic run.
type realisticCollStat struct {
	Collection   string  `json:"collection"`
	Webhooks     int     `json:"webhooks"`
	Changes      int64   `json:"changes"`  // committed during the load (the /metrics counter's difference)
	Expected     int64   `json:"expected"` // Changes x Webhooks
	Received     int64   `json:"received"`
	EventsPerSec float64 `json:"eventsPerSecond"`
}

package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// TestPlanDay checks the shape of a simulated day: in time order, each person either absent
// or clocking in, out for lunch, back and out in that order, corrections after the day's
// clock-out of the clock-in it moves, and the same plan every time.
func TestPlanDay(t *testing.T) {
	const people = 200
	var kinds [simKinds]int
	for day := range int64(5) {
		plan := planDay(day, people)
		if again := planDay(day, people); len(again) != len(plan) || again[len(again)/2] != plan[len(plan)/2] {
			t.Fatalf("day %d: two plans differ", day)
		}
		byPerson := map[int][]simAction{}
		for i, a := range plan {
			if i > 0 && a.minute < plan[i-1].minute {
				t.Fatalf("day %d: %+v after %+v", day, a, plan[i-1])
			}
			if a.minute < 0 || a.minute > 1439 {
				t.Fatalf("day %d: minute %d", day, a.minute)
			}
			byPerson[a.person] = append(byPerson[a.person], a)
			kinds[a.kind]++
		}
		if len(byPerson) != people {
			t.Fatalf("day %d: %d people act, want %d", day, len(byPerson), people)
		}
		for p, acts := range byPerson {
			if acts[0].kind == simAbsence {
				if len(acts) != 1 {
					t.Fatalf("day %d person %d: absent and %d more changes", day, p, len(acts)-1)
				}
				continue
			}
			var clockings []simAction
			for _, a := range acts {
				switch a.kind {
				case simClockIn, simBreakOut, simBreakIn, simClockOut:
					clockings = append(clockings, a)
				case simCorrection:
					if a.in != workdayMinutes(p, day)[0] || a.minute <= workdayMinutes(p, day)[3] {
						t.Fatalf("day %d person %d: correction %+v", day, p, a)
					}
				}
			}
			if len(clockings) != 4 {
				t.Fatalf("day %d person %d: %d clockings", day, p, len(clockings))
			}
			for i, k := range []simKind{simClockIn, simBreakOut, simBreakIn, simClockOut} {
				if clockings[i].kind != k || (i > 0 && clockings[i].minute <= clockings[i-1].minute) {
					t.Fatalf("day %d person %d: clockings %+v", day, p, clockings)
				}
			}
		}
	}
	// Over a week of 200 people every kind of change happens, the rare ones rarely.
	for k, n := range kinds {
		if n == 0 {
			t.Errorf("no %s in a week of %d people", simKindNames[k], people)
		}
	}
	if kinds[simAbsence] > kinds[simClockIn]/5 || kinds[simContract] > kinds[simClockIn]/10 {
		t.Errorf("kinds %v: absences and contract changes should be rare", kinds)
	}
}

func TestWorkdaysSkipWeekends(t *testing.T) {
	friday := time.Date(2025, time.March, 7, 15, 0, 0, 0, time.UTC)
	w := newWorkdays(friday, make([]int64, 3))
	var dates []string
	for range 200 {
		_, date := w.next()
		if len(dates) == 0 || dates[len(dates)-1] != date {
			dates = append(dates, date)
		}
	}
	if strings.Join(dates[:3], " ") != "2025-03-07 2025-03-10 2025-03-11" {
		t.Fatalf("days played %v, want Friday then Monday and Tuesday", dates)
	}
	if w := newWorkdays(time.Date(2025, time.March, 8, 0, 0, 0, 0, time.UTC), make([]int64, 1)); w.date.Format(time.DateOnly) != "2025-03-10" {
		t.Fatalf("a run started on Saturday plays %s first, want Monday", w.date.Format(time.DateOnly))
	}
}

func TestSimulateFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--rate", "0"}, "--rate must be more than 0"},
		{[]string{"--rate", "NaN"}, "--rate must be more than 0"},
		{[]string{"--duration", "48h"}, "--duration must be more than 0 and at most 24h0m0s"},
		{[]string{"--people", "0"}, "--people must be from 1"},
		{[]string{"--date", "2025-02-30"}, "--date must be YYYY-MM-DD"},
		{[]string{"--server", "ftp://x"}, "--server must be a base URL"},
		{[]string{"--server", "http://127.0.0.1:8080/api"}, "without a path"},
		{[]string{"--tenant", "Acme_Corp"}, `--tenant "Acme_Corp" is not a tenant name`},
		{[]string{"--client-id", "x"}, "--client-id needs --client-secret"},
		{[]string{"--client-secret", "s3cret-value"}, "--client-secret needs --client-id"},
		{[]string{"extra"}, "simulate takes no arguments"},
	} {
		_, _, err := runCmd(t, nil, append([]string{"simulate"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("simulate %q: %v, want an error containing %q", tt.args, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret-value") {
			t.Errorf("simulate %q printed the secret: %v", tt.args, err)
		}
	}
	// Nothing listens on port 1: the error says where it looked.
	_, _, err := runCmd(t, nil, "simulate", "--server", "http://127.0.0.1:1", "--duration", "5s")
	if err == nil || !strings.Contains(err.Error(), "cannot reach http://127.0.0.1:1") || !strings.Contains(err.Error(), "--server") {
		t.Errorf("simulate against nothing: %v", err)
	}
}

// TestSimulateDays runs simulate in-process fast enough to play whole days on a dev
// server, and finds each kind of change in the store: clockings, absences, corrected
// clockings (which keep their original time) and contract addenda.
func TestSimulateDays(t *testing.T) {
	s := startServer(t, tempDB(t), "--dev")
	var stdout, stderr syncBuffer
	err := run(t.Context(), []string{"simulate", "--server", "http://" + s.addr, "--rate", "1000", "--duration", "2s", "--date", "2025-03-03"}, env{}.getenv, &stdout, &stderr)
	if err != nil {
		t.Fatalf("simulate: %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`simulated (\d+) changes for 36 people in \d+ requests over \S+: clock-ins (\d+), breaks out (\d+), breaks in (\d+), clock-outs (\d+), corrections (\d+), absences (\d+), contract changes (\d+)(; (\d+) corrections skipped)?`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("simulate printed %q", stdout.String())
	}
	n := make([]int, len(m))
	for i := 1; i < len(m); i++ {
		n[i], _ = strconv.Atoi(m[i])
	}
	changes, clockings, corrections, absences, contracts, skipped := n[1], n[2]+n[3]+n[4]+n[5], n[6], n[7], n[8], n[10]
	// The first two days hold 284 changes, corrections and a contract change among them.
	if changes < 284 || changes > 2000 || corrections == 0 || contracts == 0 || skipped != 0 {
		t.Fatalf("simulate printed %q; want at least the first two days, with corrections and a contract change, none skipped", stdout.String())
	}

	read := func(path string) []map[string]any {
		var all []map[string]any
		for path != "" {
			resp := s.call(demoClient, http.MethodGet, path, "")
			resp.wantStatus(t, http.StatusOK)
			var page struct {
				Value    []map[string]any
				NextLink string
			}
			if err := json.Unmarshal(resp.body, &page); err != nil {
				t.Fatal(err)
			}
			all, path = append(all, page.Value...), page.NextLink
		}
		return all
	}
	march := "?filter=" + url.QueryEscape("date ge '2025-03-01' and date le '2025-03-31'")
	stored := read("/connector/protimeapi/api/v1/clockings" + march)
	corrected := 0
	for _, c := range stored {
		if _, ok := c["originalTimeOfDayInMinutes"]; ok {
			corrected++
		}
	}
	if len(stored) != clockings || corrected != corrections {
		t.Errorf("%d clockings, %d of them corrected, in the store; simulate reported %d and %d", len(stored), corrected, clockings, corrections)
	}
	if got := len(read("/connector/protimeapi/api/v1/absences" + march)); got != absences {
		t.Errorf("%d absences in the store, simulate reported %d", got, absences)
	}
	addenda := 0
	for _, c := range read("/connector/protimeapi/api/v1/contracts") {
		if from, _ := c["from"].(string); c["kind"] == "Addendum" && strings.HasPrefix(from, "2025-03-") {
			addenda++
		}
	}
	if addenda != contracts {
		t.Errorf("%d addenda from March 2025 in the store, simulate reported %d contract changes", addenda, contracts)
	}
	if !strings.Contains(stderr.String(), "changes in") {
		t.Errorf("no progress line:\n%s", stderr.String())
	}
}

// TestSimulateWaitsOutRateLimit runs simulate against a server that allows one request a
// second: it waits out each 429 for its Retry-After instead of failing, and what it
// reports is what the server holds.
func TestSimulateWaitsOutRateLimit(t *testing.T) {
	s := startServer(t, tempDB(t), "--dev", "--rate-limit", "1", "--rate-burst", "3")
	var stdout, stderr syncBuffer
	err := run(t.Context(), []string{"simulate", "--server", "http://" + s.addr, "--rate", "50", "--duration", "2s", "--date", "2025-03-03"}, env{}.getenv, &stdout, &stderr)
	if err != nil {
		t.Fatalf("simulate: %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`simulated (\d+) changes for 36 people in (\d+) requests over (\S+):`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("simulate printed %q", stdout.String())
	}
	changes, _ := strconv.Atoi(m[1])
	requests, _ := strconv.Atoi(m[2])
	// A server slower than the rate does not stretch the run: it ends after --duration and
	// at most the one request then waiting out its Retry-After.
	if took, err := time.ParseDuration(m[3]); err != nil || took > 2*time.Second+1500*time.Millisecond {
		t.Errorf("the run took %s (%v), want about --duration 2s", m[3], err)
	}
	// Ten ticks a second would be twenty requests; the limit lets through about five, each
	// carrying what fell due meanwhile.
	if changes == 0 || requests > 8 {
		t.Fatalf("%d changes in %d requests, want some changes in few requests", changes, requests)
	}
	var got int
	for _, collection := range []string{"clockings", "absences"} {
		// The test reads as the same rate-limited client.
		var resp *apiResponse
		waitFor(t, 10*time.Second, "a read within the rate limit", func() bool {
			resp = s.do(apiRequest{method: http.MethodGet, path: "/connector/protimeapi/api/v1/" + collection + "?filter=" + url.QueryEscape("date eq '2025-03-03'"),
				token: s.token(demoClient)})
			return resp.status != http.StatusTooManyRequests
		})
		resp.wantStatus(t, http.StatusOK)
		var page struct{ Value []json.RawMessage }
		json.Unmarshal(resp.body, &page)
		got += len(page.Value)
	}
	if got != changes {
		t.Errorf("%d clockings and absences in the store, simulate reported %d changes", got, changes)
	}
}

// TestSimulateEmptyTenant: on a tenant with nothing in it, simulate creates the people, a
// terminal and an absence definition it needs, then plays.
func TestSimulateEmptyTenant(t *testing.T) {
	db := tempDB(t)
	createTenant(t, db, "acme", "")
	c := addClient(t, db, "acme", shiftwire.AllScopes()...)
	s := startServer(t, db)
	var stdout, stderr syncBuffer
	err := run(t.Context(), []string{"simulate", "--server", "http://" + s.addr, "--tenant", "acme", "--client-id", c.ClientID,
		"--people", "5", "--rate", "30", "--duration", "1s", "--date", "2025-03-03"}, env{"SHIFTWIRE_CLIENT_SECRET": c.ClientSecret}.getenv, &stdout, &stderr)
	if err != nil {
		t.Fatalf("simulate: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "created 7 objects the simulation needs") || !strings.Contains(stdout.String(), "for 5 people") {
		t.Fatalf("stdout %q\nstderr %q", stdout.String(), stderr.String())
	}
	resp := s.call(c, http.MethodGet, "/connector/protimeapi/api/v1/people", "")
	resp.wantStatus(t, http.StatusOK)
	var people struct{ Value []struct{ LastName string } }
	json.Unmarshal(resp.body, &people)
	if len(people.Value) != 5 || people.Value[0].LastName == "" {
		t.Errorf("people after simulate: %s", resp.body)
	}
}

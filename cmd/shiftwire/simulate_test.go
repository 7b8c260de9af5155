package main

import (
	"strings"
	"testing"
	"time"
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

func TestTenantHost(t *testing.T) {
	for _, tt := range []struct{ server, tenant, want string }{
		{"http://127.0.0.1:8080", "acme", "acme.localhost:8080"},
		{"http://localhost:8080", "demo", "demo.localhost:8080"},
		{"http://[::1]:9000", "acme", "acme.localhost:9000"},
		{"https://127.0.0.1", "acme", "acme.localhost"},
		{"https://acme.shiftwire.example", "acme", "acme.shiftwire.example"},
	} {
		var c clientConfig
		c.Server, c.Tenant = tt.server, tt.tenant
		if got := newAPIClient(c).host; got != tt.want {
			t.Errorf("%s tenant %s: Host %q, want %q", tt.server, tt.tenant, got, tt.want)
		}
	}
}

// FuzzSplitEvents feeds listen's body decoder anything: it never panics, and what it
// returns for a batch is one event per element.
func FuzzSplitEvents(f *testing.F) {
	f.Add([]byte(`{"changeType":"InsertOrUpdate","data":{"changeVersion":"0000000000000000002A","id":12}}`))
	f.Add([]byte(`{"value":[{"changeType":"Delete","data":{"id":1}},{"changeType":"InsertOrUpdate","data":{"id":2}}]}`))
	f.Add([]byte(`{"value":null}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte(`{"data":{"id":"x"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := splitEvents(body)
		if err != nil {
			return
		}
		for _, ev := range events {
			if len(ev.raw) == 0 {
				t.Fatalf("an event without its JSON from %q", body)
			}
			_ = ev.describe()
		}
	})
}

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// TestRecalculation writes clockings of a person with a contract and follows SPEC 6.1 through
// the API: the calculated totals and paid presences of each day, their events, a later day's
// balance moving when an earlier day changes, and no totals event for a write that changes
// no total.
func TestRecalculation(t *testing.T) {
	f := newFixture(t, "--allow-private-destinations", "--allow-insecure-destinations")
	c := f.acme
	rc := newEventReceiver(t)
	for _, collection := range []string{shiftwire.CalculatedTotals, shiftwire.PaidPresences} {
		hook := f.createWebhook(c, "", hookBody(rc.URL+"/"+collection, collection))
		verifier, err := standardwebhooks.NewWebhook(hook.Key)
		if err != nil {
			t.Fatal(err)
		}
		rc.mu.Lock()
		rc.hooks[collection] = verifier
		rc.mu.Unlock()
	}
	put := func(path, body string) {
		t.Helper()
		resp := f.call(c, http.MethodPut, collectionAPI+path, body)
		if resp.status != http.StatusOK && resp.status != http.StatusCreated {
			t.Fatalf("PUT %s: %d %s", path, resp.status, resp.body)
		}
	}
	clocking := func(id int, date string, minutes int) {
		t.Helper()
		put(fmt.Sprintf("clockings/%d", id), fmt.Sprintf(`{"person":{"id":1},"date":%q,"timeOfDayInMinutes":%d,"kind":"InOut"}`, date, minutes))
	}
	// read returns the objects of a recalculated collection for person 1 in March 2025, by date.
	read := func(collection string) map[string]map[string]any {
		t.Helper()
		filter := url.QueryEscape("date ge '2025-03-01' and date le '2025-03-31' and person eq 1")
		resp := f.call(c, http.MethodGet, collectionAPI+collection+"?filter="+filter, "")
		resp.wantStatus(t, http.StatusOK)
		var list struct{ Value []map[string]any }
		if err := json.Unmarshal(resp.body, &list); err != nil {
			t.Fatal(err)
		}
		out := map[string]map[string]any{}
		for _, o := range list.Value {
			out[o["date"].(string)] = o
		}
		return out
	}
	wantTotals := func(date string, present, normal, flextime, balance float64) map[string]any {
		t.Helper()
		got := read(shiftwire.CalculatedTotals)[date]
		if got == nil {
			t.Fatalf("no calculated totals on %s", date)
		}
		for field, want := range map[string]float64{"timePresentDurationInMinutes": present, "calculatedPresenceDurationInMinutes": present,
			"normalTimeDurationInMinutes": normal, "flextimeDurationInMinutes": flextime, "flextimeBalanceInMinutes": balance} {
			if got[field] != want {
				t.Errorf("%s %s = %v, want %v", date, field, got[field], want)
			}
		}
		return got
	}
	wantEvent := func(collection string, o map[string]any) {
		t.Helper()
		waitFor(t, 20*time.Second, fmt.Sprintf("the %s event of %v", collection, o["date"]), func() bool { return rc.find(collection, o) != nil })
	}

	put("people/1", `{"lastName":"Peeters"}`)
	// 38 hours over Monday to Friday: 456 minutes a day.
	put("contracts/1", `{"person":{"id":1},"from":"2025-01-01","contractHoursInMinutes":2280,"fullTimeEquivalentInMinutes":2280,"numberOfWorkingDaysPerWeek":5}`)
	clocking(1, "2025-03-17", 480) // Monday
	clocking(2, "2025-03-17", 990)
	clocking(3, "2025-03-18", 480) // Tuesday
	clocking(4, "2025-03-18", 900)

	monday := wantTotals("2025-03-17", 510, 456, 54, 54)
	tuesday := wantTotals("2025-03-18", 420, 456, -36, 18)
	wantEvent(shiftwire.CalculatedTotals, monday)
	wantEvent(shiftwire.CalculatedTotals, tuesday)
	paid := read(shiftwire.PaidPresences)
	if len(paid) != 2 || paid["2025-03-17"]["durationInMinutes"] != 510.0 || paid["2025-03-18"]["durationInMinutes"] != 420.0 {
		t.Fatalf("paid presences = %v", paid)
	}
	wantEvent(shiftwire.PaidPresences, paid["2025-03-18"])

	// Leaving later on Monday moves Tuesday's balance too: a new event for each.
	clocking(2, "2025-03-17", 1020)
	monday = wantTotals("2025-03-17", 540, 456, 84, 84)
	tuesday2 := wantTotals("2025-03-18", 420, 456, -36, 48)
	if tuesday2["changeVersion"] == tuesday["changeVersion"] {
		t.Fatal("Tuesday's balance moved without a new change")
	}
	wantEvent(shiftwire.CalculatedTotals, monday)
	wantEvent(shiftwire.CalculatedTotals, tuesday2)

	// Every write so far changed Monday's or Tuesday's totals, each one event: both days
	// created on their first clocking and updated on their second, then both moved.
	count := func() int {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return len(rc.events[shiftwire.CalculatedTotals])
	}
	if n := count(); n != 6 {
		t.Fatalf("%d calculated-totals events, want 6", n)
	}

	// A write that changes no total: the same clocking, now with a terminal. Then Wednesday,
	// whose event marks that everything before it has been sent.
	put("terminals/1", `{"name":"Main entrance"}`)
	put("clockings/3", `{"person":{"id":1},"date":"2025-03-18","timeOfDayInMinutes":480,"kind":"InOut","terminal":{"id":1}}`)
	clocking(5, "2025-03-19", 480)
	wantEvent(shiftwire.CalculatedTotals, wantTotals("2025-03-19", 0, 456, -456, -408))
	if got := read(shiftwire.CalculatedTotals)["2025-03-18"]; got["changeVersion"] != tuesday2["changeVersion"] {
		t.Fatalf("a write that changed no total gave Tuesday a new change: %v", got)
	}
	if n := count(); n != 7 { // Wednesday's alone
		t.Fatalf("%d calculated-totals events, want 7: the write that changed no total sent one", n)
	}

	// Deleting Wednesday's only clocking leaves the day without totals: a Delete.
	f.call(c, http.MethodDelete, collectionAPI+"clockings/5", "").wantStatus(t, http.StatusNoContent)
	if _, ok := read(shiftwire.CalculatedTotals)["2025-03-19"]; ok {
		t.Fatal("a day without Active clockings keeps its totals")
	}

	// An absence adds to its day's presence; a day with only an absence has totals too.
	put("absence-definitions/1", `{"name":{"default":"Leave"},"code":"VAK"}`)
	put("absences/1", `{"person":{"id":1},"resultingAbsenceDefinition":{"id":1},"date":"2025-03-18","durationInMinutes":60}`)
	wantFields := func(date string, want map[string]float64) {
		t.Helper()
		got := read(shiftwire.CalculatedTotals)[date]
		for field, v := range want {
			if got[field] != v {
				t.Errorf("%s %s = %v, want %v", date, field, got[field], v)
			}
		}
	}
	wantFields("2025-03-18", map[string]float64{"timePresentDurationInMinutes": 420, "calculatedPresenceDurationInMinutes": 480,
		"flextimeDurationInMinutes": 24, "flextimeBalanceInMinutes": 108})
	put("absences/2", `{"person":{"id":1},"resultingAbsenceDefinition":{"id":1},"date":"2025-03-20","durationInMinutes":456}`)
	wantFields("2025-03-20", map[string]float64{"timePresentDurationInMinutes": 0, "calculatedPresenceDurationInMinutes": 456,
		"normalTimeDurationInMinutes": 456, "flextimeBalanceInMinutes": 108})

	// A contract change moves the normal time of every day it covers: 4 working days of 456.
	put("contracts/1", `{"person":{"id":1},"from":"2025-01-01","contractHoursInMinutes":1824,"fullTimeEquivalentInMinutes":2280,"numberOfWorkingDaysPerWeek":4}`)
	wantTotals("2025-03-17", 540, 456, 84, 84)
	if got := read(shiftwire.CalculatedTotals)["2025-03-20"]; got["normalTimeDurationInMinutes"] != 456.0 {
		t.Fatalf("Thursday under a 4-day contract: %v", got)
	}
	put("contracts/1", `{"person":{"id":1},"from":"2025-01-01","contractHoursInMinutes":1520,"fullTimeEquivalentInMinutes":2280,"numberOfWorkingDaysPerWeek":4}`)
	wantTotals("2025-03-17", 540, 380, 160, 160)
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/masterkey"
	"github.com/shiftwire/shiftwire/internal/sqlite"
)

// TestSeedDevData seeds a fresh store and checks that every collection got data, that the
// clockings hold every kind and an edited one, that contracts hold an addendum and names
// their translations, and that seeding again changes nothing.
func TestSeedDevData(t *testing.T) {
	ctx := context.Background()
	key := make(shiftwire.Secret, 32)
	rand.Read(key)
	box, err := masterkey.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "seed.db"), box)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tenant := &shiftwire.Tenant{Name: "demo", TimeZone: shiftwire.DefaultTimeZone}
	if err := db.CreateTenant(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 19, 10, 0, 0, 0, time.UTC) // a Wednesday
	if err := seedDevData(ctx, db, tenant, now); err != nil {
		t.Fatal(err)
	}

	all := func(collection string) []*shiftwire.Object {
		objs, err := db.ListObjects(ctx, tenant.ID, shiftwire.ObjectQuery{Collection: collection})
		if err != nil {
			t.Fatal(err)
		}
		return objs
	}
	for _, ct := range shiftwire.Collections() {
		if n := len(all(ct.Name)); n == 0 {
			t.Errorf("no %s", ct.Name)
		}
	}
	if n := len(all(shiftwire.People)); n < 24 {
		t.Errorf("%d people, want a few dozen", n)
	}
	if n := len(all(shiftwire.Terminals)); n != 3 {
		t.Errorf("%d terminals, want 3", n)
	}

	kinds := map[string]int{}
	edited := 0
	for _, o := range all(shiftwire.Clockings) {
		var c shiftwire.Clocking
		json.Unmarshal(o.Data, &c)
		kinds[string(c.Kind)]++
		if c.OriginalTimeOfDayInMinutes != nil {
			edited++
		}
		if c.Date < "2025-02-17" || c.Date > "2025-03-14" {
			t.Errorf("clocking %d on %s, not in the last four weeks", c.ID, c.Date)
		}
	}
	for _, k := range []string{"InOut", "Reason", "Activity", "ActivityEnd"} {
		if kinds[k] == 0 {
			t.Errorf("no clocking of kind %s (%v)", k, kinds)
		}
	}
	if edited != 1 {
		t.Errorf("%d edited clockings, want 1", edited)
	}

	// The days worked and the days of leave have their recalculated totals.
	if n := len(all(shiftwire.Absences)); n < 3 {
		t.Errorf("%d absences, want a few", n)
	}
	totals := all(shiftwire.CalculatedTotals)
	if len(totals) < 20*len(devFirstNames)*9/10 {
		t.Errorf("%d calculated totals, want one per person and working day", len(totals))
	}
	for _, o := range totals {
		var c shiftwire.CalculatedTotal
		json.Unmarshal(o.Data, &c)
		if c.CalculatedPresenceDurationInMinutes < 240 || c.CalculatedPresenceDurationInMinutes > 720 {
			t.Errorf("calculated totals %s: a presence of %d minutes is not a working day", o.Data, c.CalculatedPresenceDurationInMinutes)
		}
	}
	if n := len(all(shiftwire.PaidPresences)); n != len(totals) {
		t.Errorf("%d paid presences for %d days with totals", n, len(totals))
	}

	perDefinition := map[int64]int{}
	for _, o := range all(shiftwire.Counters) {
		var c shiftwire.Counter
		json.Unmarshal(o.Data, &c)
		perDefinition[c.CounterDefinition.ID]++
	}
	if perDefinition[devCounterMealVoucher] < 100 || perDefinition[devCounterOvertime] == 0 {
		t.Errorf("counters per definition = %v, want meal vouchers and some overtime", perDefinition)
	}

	addenda := 0
	for _, o := range all(shiftwire.Contracts) {
		if strings.Contains(string(o.Data), `"kind":"Addendum","parentContract":{"id":`) {
			addenda++
		}
	}
	if addenda == 0 {
		t.Error("no addendum")
	}
	for _, collection := range []string{shiftwire.BreakDefinitions, shiftwire.AbsenceGroups} {
		for _, o := range all(collection) {
			for _, lang := range []string{`"nl":`, `"fr":`, `"en":`} {
				if !strings.Contains(string(o.Data), lang) {
					t.Errorf("%s %d has no %s translation: %s", collection, o.ID, lang, o.Data)
				}
			}
		}
	}
	reasons := 0
	for _, o := range all(shiftwire.AbsenceDefinitions) {
		if strings.Contains(string(o.Data), `"isReasonForClocking":true`) {
			reasons++
		}
	}
	if reasons == 0 {
		t.Error("no absence definition is a reason for clocking")
	}

	before, _ := db.Changes(ctx, tenant.ID, 0, 1_000_000)
	if err := seedDevData(ctx, db, tenant, now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	after, _ := db.Changes(ctx, tenant.ID, 0, 1_000_000)
	if len(after) != len(before) {
		t.Fatalf("seeding a seeded tenant made %d changes", len(after)-len(before))
	}
}

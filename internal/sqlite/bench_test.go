package sqlite_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// The benchmarks here measure the store's side of delivery on the shapes the engine uses:
// a claim of up to 500 due lane heads from a queue of 100,000, a completion batch of 512
// attempts, and the fan-out of a write to 100 webhooks; and filtered list reads of a year of
// clockings. Run them with
//
//	go test -run '^$' -bench . -benchtime 3s ./internal/sqlite

// newBenchStore is a store with a tenant and webhooks webhooks on break definitions.
func newBenchStore(b *testing.B, webhooks int) *storetest.BenchStore {
	return storetest.NewBenchStore(b, storetest.OpenSQLite(b), webhooks)
}

// BenchmarkClaimDeliveries claims 500 due lane heads from a queue of 100,000 (1,000 changes
// x 100 webhooks). The lease it takes ends at once, so every iteration claims from the same
// full queue.
func BenchmarkClaimDeliveries(b *testing.B) {
	ctx := context.Background()
	s := newBenchStore(b, 100)
	s.Fill(b, 100, 100_000)
	now := time.Now().Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		ds, err := s.Store.ClaimDeliveries(ctx, shiftwire.ClaimQuery{Now: now, LeaseUntil: now, Limit: 500})
		if err != nil || len(ds) != 500 {
			b.Fatalf("claimed %d, %v", len(ds), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/500, "ns/delivery")
}

// BenchmarkClaimDeliveriesExcluding is the claim when most webhooks are at their
// concurrency limit: 90 of the 100 are excluded, so the due order must be scanned past
// their deliveries to find candidates.
func BenchmarkClaimDeliveriesExcluding(b *testing.B) {
	ctx := context.Background()
	s := newBenchStore(b, 100)
	s.Fill(b, 100, 100_000)
	now := time.Now().Add(time.Hour)
	all, err := s.Store.ClaimDeliveries(ctx, shiftwire.ClaimQuery{Now: now, LeaseUntil: now, Limit: 100})
	if err != nil {
		b.Fatal(err)
	}
	var exclude []string
	for _, d := range all {
		if len(exclude) < 90 && !slices.Contains(exclude, d.WebhookID) {
			exclude = append(exclude, d.WebhookID)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		ds, err := s.Store.ClaimDeliveries(ctx, shiftwire.ClaimQuery{Now: now, LeaseUntil: now, Limit: 500, Exclude: exclude})
		if err != nil || len(ds) != 500 {
			b.Fatalf("claimed %d, %v", len(ds), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/500, "ns/delivery")
}

// BenchmarkCompleteDeliveries writes back a batch of successful one-event attempts, as the
// engine's completer does: the attempt records (headers and body as sent), the webhooks'
// health, and the deliveries deleted. Claiming the batch is not timed. 512 is the largest
// batch the completer writes; 32, about what it gathers in its 2 ms at 10,000 events/s. A
// queue of 200,000 shows what grows with the queue.
func BenchmarkCompleteDeliveries(b *testing.B) {
	for _, c := range []struct{ batch, queued int }{{32, 20_000}, {512, 20_000}, {512, 200_000}} {
		b.Run(fmt.Sprintf("batch=%d/queued=%d", c.batch, c.queued), func(b *testing.B) {
			db := storetest.OpenSQLite(b)
			storetest.BenchCompleteDeliveries(b, db, c.batch, c.queued, db.Statements)
		})
	}
}

// BenchmarkWriteFanOut commits writes of one and of 100 changes with 100 webhooks
// subscribed, so each change is queued for 100 deliveries in the writing transaction.
func BenchmarkWriteFanOut(b *testing.B) {
	for _, changes := range []int{1, 100} {
		b.Run(fmt.Sprintf("changes=%d/webhooks=100", changes), func(b *testing.B) {
			s := newBenchStore(b, 100)
			b.ReportAllocs()
			for b.Loop() {
				s.Write(b, changes)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(changes*100), "ns/delivery")
		})
	}
}

// BenchmarkListClockings reads pages of 101 clockings, as GET /clockings does, from a year
// of 100,000 (300 people, about one clocking each a day, in date order), filtered by date
// range, person and kind: one page each iteration, from a start that moves through the
// year.
func BenchmarkListClockings(b *testing.B) {
	ctx := context.Background()
	db := storetest.OpenSQLite(b)
	tn := &shiftwire.Tenant{Name: "bench", TimeZone: shiftwire.DefaultTimeZone}
	if err := db.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	const n, people = 100_000, 300
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for first := 0; first < n; first += 5000 {
		err := db.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
			for i := first; i < first+5000; i++ {
				person, date, kind := fmt.Sprint(i%people+1), start.AddDate(0, 0, i*366/n).Format(time.DateOnly), "InOut"
				if i%97 == 0 {
					kind = "Reason"
				}
				err := tx.Put(ctx, &shiftwire.Object{Collection: shiftwire.Clockings, ID: int64(i + 1),
					Data: fmt.Appendf(nil, `{"id":%d,"person":{"id":%s},"date":%q,"timeOfDayInMinutes":480,"kind":%q}`, i+1, person, date, kind),
					Keys: []shiftwire.Key{{Name: "date", Value: date}, {Name: "kind", Value: kind}, {Name: "person", Value: person}}})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	dates := func(from, to string) shiftwire.KeyMatch { return shiftwire.KeyMatch{Name: "date", From: from, To: to} }
	in := func(name string, values ...string) shiftwire.KeyMatch {
		return shiftwire.KeyMatch{Name: name, In: values}
	}
	for _, bc := range []struct {
		name  string
		where []shiftwire.KeyMatch
	}{
		{"year", []shiftwire.KeyMatch{dates("2024-01-01", "2024-12-31")}},
		{"year+person", []shiftwire.KeyMatch{dates("2024-01-01", "2024-12-31"), in("person", "7")}},
		{"year+3people", []shiftwire.KeyMatch{dates("2024-01-01", "2024-12-31"), in("person", "7", "8", "9")}},
		{"year+kind", []shiftwire.KeyMatch{dates("2024-01-01", "2024-12-31"), in("kind", "Reason")}},
		{"month", []shiftwire.KeyMatch{dates("2024-03-01", "2024-03-31")}},
		{"month+3people", []shiftwire.KeyMatch{dates("2024-03-01", "2024-03-31"), in("person", "7", "8", "9")}},
		{"day", []shiftwire.KeyMatch{dates("2024-06-01", "2024-06-01")}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			q := shiftwire.ObjectQuery{Collection: shiftwire.Clockings, Where: bc.where, Limit: 101}
			for b.Loop() {
				page, err := db.ListObjects(ctx, tn.ID, q)
				if err != nil {
					b.Fatal(err)
				}
				q.AfterID = 0
				if len(page) == q.Limit {
					q.AfterID = page[len(page)-1].ID
				}
			}
		})
	}
}

package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/sqlite"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// The benchmarks here measure the store's side of delivery on the shapes the engine uses:
// a claim of up to 500 due lane heads from a queue of 100,000, a completion batch of 512
// attempts, and the fan-out of a write to 100 webhooks; and filtered list reads of a year of
// clockings. Run them with
//
//	go test -run '^$' -bench . -benchtime 3s ./internal/sqlite

// benchStore is a store with a tenant and webhooks on break definitions.
type benchStore struct {
	db     *sqlite.DB
	tenant *shiftwire.Tenant
	next   int64 // the next object id to write
}

func newBenchStore(b *testing.B, webhooks int) *benchStore {
	b.Helper()
	ctx := context.Background()
	s := &benchStore{db: storetest.OpenSQLite(b), tenant: &shiftwire.Tenant{Name: "bench", TimeZone: shiftwire.DefaultTimeZone}, next: 1}
	if err := s.db.CreateTenant(ctx, s.tenant); err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	for i := range webhooks {
		err := s.db.CreateWebhook(ctx, &shiftwire.Webhook{
			ID: shiftwire.NewID(time.Now()), TenantID: s.tenant.ID, ClientID: "bench",
			DestinationURL: fmt.Sprintf("http://127.0.0.1:9/hook/%d", i), Collection: shiftwire.BreakDefinitions,
			Key: shiftwire.Secret("0123456789abcdef0123456789abcdef"), Status: shiftwire.WebhookEnabled,
			CreatedAt: now, ValidUntil: now.Add(shiftwire.DefaultWebhookValidity),
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// write commits n changes of new objects in one transaction: n x webhooks deliveries.
func (s *benchStore) write(b *testing.B, n int) {
	ctx := context.Background()
	err := s.db.Write(ctx, s.tenant.ID, func(tx shiftwire.WriteTx) error {
		for range n {
			id := s.next
			s.next++
			data := fmt.Appendf(nil, `{"id":%d,"name":{"default":"Break %d","translations":{}},"friendlyName":{"default":"Break %d","translations":{}},`+
				`"paidDurationInMinutes":15,"minimumDurationInMinutes":15,"maximumDurationInMinutes":30,"ifNotClockedDurationInMinutes":15,"hasToBeTakenUninterrupted":false}`, id, id, id)
			if err := tx.Put(ctx, &shiftwire.Object{Collection: shiftwire.BreakDefinitions, ID: id, Data: json.RawMessage(data)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// fill queues at least deliveries deliveries, in transactions of 100 changes.
func (s *benchStore) fill(b *testing.B, webhooks, deliveries int) {
	for n := 0; n < deliveries; n += 100 * webhooks {
		s.write(b, 100)
	}
}

// BenchmarkClaimDeliveries claims 500 due lane heads from a queue of 100,000 (1,000 changes
// x 100 webhooks). The lease it takes ends at once, so every iteration claims from the same
// full queue.
func BenchmarkClaimDeliveries(b *testing.B) {
	ctx := context.Background()
	s := newBenchStore(b, 100)
	s.fill(b, 100, 100_000)
	now := time.Now().Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		ds, err := s.db.ClaimDeliveries(ctx, shiftwire.ClaimQuery{Now: now, LeaseUntil: now, Limit: 500})
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
	s.fill(b, 100, 100_000)
	now := time.Now().Add(time.Hour)
	all, err := s.db.ClaimDeliveries(ctx, shiftwire.ClaimQuery{Now: now, LeaseUntil: now, Limit: 100})
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
		ds, err := s.db.ClaimDeliveries(ctx, shiftwire.ClaimQuery{Now: now, LeaseUntil: now, Limit: 500, Exclude: exclude})
		if err != nil || len(ds) != 500 {
			b.Fatalf("claimed %d, %v", len(ds), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/500, "ns/delivery")
}

// BenchmarkCompleteDeliveries writes back a batch of 512 successful one-event attempts, as
// the engine's completer does: 512 attempt records (headers and body as sent), the webhooks'
// failing_since reset, and the deliveries deleted. Claiming the batch is not timed.
func BenchmarkCompleteDeliveries(b *testing.B) {
	ctx := context.Background()
	const batch = 512
	s := newBenchStore(b, 100)
	s.fill(b, 100, 20_000)
	body := []byte(`{"changeType":"InsertOrUpdate","data":{"changeVersion":"0000000000000000002A","id":42,"name":{"default":"Break 42","translations":{}},` +
		`"friendlyName":{"default":"Break 42","translations":{}},"paidDurationInMinutes":15,"minimumDurationInMinutes":15,"maximumDurationInMinutes":30,` +
		`"ifNotClockedDurationInMinutes":15,"hasToBeTakenUninterrupted":false}}`)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		now := time.Now()
		ds, err := s.db.ClaimDeliveries(ctx, shiftwire.ClaimQuery{Now: now.Add(time.Hour), LeaseUntil: now.Add(2 * time.Hour), Limit: batch})
		if err != nil {
			b.Fatal(err)
		}
		if len(ds) < batch {
			s.fill(b, 100, 20_000)
			ds, err = s.db.ClaimDeliveries(ctx, shiftwire.ClaimQuery{Now: now.Add(time.Hour), LeaseUntil: now.Add(2 * time.Hour), Limit: batch})
			if err != nil || len(ds) < batch {
				b.Fatalf("claimed %d, %v", len(ds), err)
			}
		}
		completions := make([]shiftwire.Completion, len(ds))
		for i, d := range ds {
			completions[i] = shiftwire.Completion{
				Deliveries: []int64{d.ID},
				Lease:      d.Lease,
				Succeeded:  true,
				Attempt: shiftwire.Attempt{
					ID: shiftwire.NewID(now), WebhookID: d.WebhookID, TenantID: d.TenantID, AttemptedAt: now,
					Duration: time.Millisecond, StatusCode: 200, Outcome: shiftwire.OutcomeSucceeded,
					ChangeVersions: []shiftwire.ChangeVersion{d.Version}, Attempt: 1,
					RequestHeaders: map[string]string{
						"Content-Type": "application/json", "User-Agent": "Shiftwire/dev", "Webhook-Id": "msg_0190a1b2c3d4e5f60718293a4b5c6d7e_0000000000000000002A",
						"Webhook-Timestamp": "1740830400", "Webhook-Signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
					},
					RequestBody: body,
				},
			}
		}
		b.StartTimer()
		if err := s.db.CompleteDeliveries(ctx, completions); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/batch, "ns/delivery")
}

// BenchmarkWriteFanOut commits writes of one and of 100 changes with 100 webhooks
// subscribed, so each change is queued for 100 deliveries in the writing transaction.
func BenchmarkWriteFanOut(b *testing.B) {
	for _, changes := range []int{1, 100} {
		b.Run(fmt.Sprintf("changes=%d/webhooks=100", changes), func(b *testing.B) {
			s := newBenchStore(b, 100)
			b.ReportAllocs()
			for b.Loop() {
				s.write(b, changes)
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

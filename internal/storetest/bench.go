package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// BenchStore is a store with one tenant and webhooks on break definitions, for the stores'
// benchmarks of the delivery path: the same shapes on SQLite and PostgreSQL.
type BenchStore struct {
	Store  shiftwire.Store
	Tenant *shiftwire.Tenant
	next   int64 // the next object id to write
}

// NewBenchStore creates the tenant and webhooks webhooks in s.
func NewBenchStore(b testing.TB, s shiftwire.Store, webhooks int) *BenchStore {
	b.Helper()
	ctx := context.Background()
	bs := &BenchStore{Store: s, Tenant: &shiftwire.Tenant{Name: "bench", TimeZone: shiftwire.DefaultTimeZone}, next: 1}
	if err := s.CreateTenant(ctx, bs.Tenant); err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	for i := range webhooks {
		err := s.CreateWebhook(ctx, &shiftwire.Webhook{
			ID: shiftwire.NewID(time.Now()), TenantID: bs.Tenant.ID, ClientID: "bench",
			DestinationURL: fmt.Sprintf("http://127.0.0.1:9/hook/%d", i), Collection: shiftwire.BreakDefinitions,
			Key: shiftwire.Secret("0123456789abcdef0123456789abcdef"), Status: shiftwire.WebhookEnabled,
			CreatedAt: now, ValidUntil: now.Add(shiftwire.DefaultWebhookValidity),
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return bs
}

// Write commits n changes of new objects in one transaction: n deliveries per webhook.
func (bs *BenchStore) Write(b testing.TB, n int) {
	b.Helper()
	ctx := context.Background()
	err := bs.Store.Write(ctx, bs.Tenant.ID, func(tx shiftwire.WriteTx) error {
		for range n {
			id := bs.next
			bs.next++
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

// Fill queues at least deliveries deliveries for webhooks webhooks, in transactions of 100
// changes.
func (bs *BenchStore) Fill(b testing.TB, webhooks, deliveries int) {
	b.Helper()
	for n := 0; n < deliveries; n += 100 * webhooks {
		bs.Write(b, 100)
	}
}

// benchBody is the body of a one-event request of a break definition.
var benchBody = []byte(`{"changeType":"InsertOrUpdate","data":{"changeVersion":"0000000000000000002A","id":42,"name":{"default":"Break 42","translations":{}},` +
	`"friendlyName":{"default":"Break 42","translations":{}},"paidDurationInMinutes":15,"minimumDurationInMinutes":15,"maximumDurationInMinutes":30,` +
	`"ifNotClockedDurationInMinutes":15,"hasToBeTakenUninterrupted":false}}`)

// Succeeded returns the completions of one successful one-event attempt per delivery, with
// the headers and body an attempt records, as the engine's completer writes them back.
func Succeeded(ds []*shiftwire.Delivery, now time.Time) []shiftwire.Completion {
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
				RequestBody: benchBody,
			},
		}
	}
	return completions
}

// BenchCompleteDeliveries writes back batches of batch successful one-event attempts, as
// the engine's completer does, with 100 webhooks and at least queued deliveries queued;
// claiming each batch is not timed. statements, when not nil, reports the store's
// statements per delivery.
func BenchCompleteDeliveries(b *testing.B, s shiftwire.Store, batch, queued int, statements func() int64) {
	ctx := context.Background()
	bs := NewBenchStore(b, s, 100)
	queued = max(queued, 20_000)
	bs.Fill(b, 100, queued)
	var counted int64
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		now := time.Now()
		claim := shiftwire.ClaimQuery{Now: now.Add(time.Hour), LeaseUntil: now.Add(2 * time.Hour), Limit: batch}
		ds, err := s.ClaimDeliveries(ctx, claim)
		if err != nil {
			b.Fatal(err)
		}
		if len(ds) < batch {
			bs.Fill(b, 100, queued)
			if ds, err = s.ClaimDeliveries(ctx, claim); err != nil || len(ds) < batch {
				b.Fatalf("claimed %d, %v", len(ds), err)
			}
		}
		completions := Succeeded(ds, now)
		var before int64
		if statements != nil {
			before = statements()
		}
		b.StartTimer()
		if err := s.CompleteDeliveries(ctx, completions); err != nil {
			b.Fatal(err)
		}
		if statements != nil {
			counted += statements() - before
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(batch), "ns/delivery")
	if statements != nil {
		b.ReportMetric(float64(counted)/float64(b.N)/float64(batch), "statements/delivery")
	}
}

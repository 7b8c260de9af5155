package shiftwire_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// The benchmarks here measure the write path of POST /changes as shiftwire bench drives it
// (100 break definitions per request), and event rendering without references;
// BenchmarkAddExternalReferences measures rendering with them.

// benchChanges is an NDJSON body of n break definitions, as shiftwire bench posts them.
func benchChanges(first, n int) []byte {
	var b bytes.Buffer
	for id := first; id < first+n; id++ {
		fmt.Fprintf(&b, `{"collection":"break-definitions","changeType":"InsertOrUpdate","data":{"id":%d,"name":{"default":"Bench break %d"},`+
			`"paidDurationInMinutes":15,"minimumDurationInMinutes":15,"maximumDurationInMinutes":30,"ifNotClockedDurationInMinutes":15}}`+"\n", id, id)
	}
	return b.Bytes()
}

// BenchmarkReadChanges decodes and checks a body of 100 changes.
func BenchmarkReadChanges(b *testing.B) {
	body := benchChanges(1, 100)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		lines, err := shiftwire.ReadChanges(bytes.NewReader(body), nil)
		if err != nil || len(lines) != 100 {
			b.Fatal(len(lines), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/change")
}

// BenchmarkApplyChanges writes 100 changes of new objects in one transaction on SQLite, with
// no webhook and with 100 webhooks subscribed: the difference is the fan-out of 10,000
// deliveries in the writing transaction.
func BenchmarkApplyChanges(b *testing.B) {
	ctx := context.Background()
	for _, webhooks := range []int{0, 100} {
		b.Run(fmt.Sprintf("changes=100/webhooks=%d", webhooks), func(b *testing.B) {
			s, tn := openStore(b)
			now := time.Now().UTC().Truncate(time.Second)
			for i := range webhooks {
				err := s.CreateWebhook(ctx, &shiftwire.Webhook{
					ID: shiftwire.NewID(time.Now()), TenantID: tn.ID, ClientID: "bench",
					DestinationURL: fmt.Sprintf("http://127.0.0.1:9/hook/%d", i), Collection: shiftwire.BreakDefinitions,
					Key: shiftwire.Secret("0123456789abcdef0123456789abcdef"), Status: shiftwire.WebhookEnabled,
					CreatedAt: now, ValidUntil: now.Add(shiftwire.DefaultWebhookValidity),
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			next := 1
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				lines, err := shiftwire.ReadChanges(bytes.NewReader(benchChanges(next, 100)), nil)
				if err != nil {
					b.Fatal(err)
				}
				next += 100
				b.StartTimer()
				if _, err := shiftwire.ApplyChanges(ctx, s, tn.ID, lines); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/change")
		})
	}
}

// BenchmarkWithChangeVersion renders the data of one event: the object's JSON with its
// changeVersion first.
func BenchmarkWithChangeVersion(b *testing.B) {
	data := json.RawMessage(`{"id":42,"name":{"default":"Bench break 42","translations":{}},"friendlyName":{"default":"Bench break 42","translations":{}},` +
		`"paidDurationInMinutes":15,"minimumDurationInMinutes":15,"maximumDurationInMinutes":30,"ifNotClockedDurationInMinutes":15,"hasToBeTakenUninterrupted":false}`)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		_ = shiftwire.WithChangeVersion(data, 42)
	}
}

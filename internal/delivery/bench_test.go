package delivery

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/signing"
	"github.com/shiftwire/shiftwire/internal/sqlite"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// The benchmarks here measure the engine's work per event outside the database's queue:
// rendering (with and without external references read from the store), and one whole
// attempt (render, sign, POST over loopback, classify, build the completion). Run them with
//
//	go test -run '^$' -bench . ./internal/delivery

// benchEngine is an engine on a SQLite store holding 100 people with a badge number and a
// custom reference, and a webhook on clockings that selects both.
type benchEngine struct {
	e          *Engine
	db         *sqlite.DB
	hook       *shiftwire.Webhook
	deliveries []*shiftwire.Delivery // 100 clocking changes, each for one of the people
}

func newBenchEngine(b *testing.B, refs string, dest string) *benchEngine {
	b.Helper()
	ctx := context.Background()
	db := storetest.OpenSQLite(b)
	tn := &shiftwire.Tenant{Name: "bench", TimeZone: shiftwire.DefaultTimeZone}
	if err := db.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	_, err := shiftwire.WriteObjects(ctx, db, tn.ID, func(w *shiftwire.ObjectWriter) error {
		for id := int64(1); id <= 100; id++ {
			if _, _, err := w.Put(ctx, &shiftwire.Person{Base: shiftwire.Base{ID: id}, LastName: fmt.Sprint("Person ", id), BadgeNumber: fmt.Sprint(6767600 + id)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for id := int64(1); id <= 100; id++ {
		if err := db.SetCustomReferences(ctx, tn.ID, shiftwire.People, id, map[string]string{"HRMID": fmt.Sprint("A-", id)}); err != nil {
			b.Fatal(err)
		}
	}
	parsed, err := shiftwire.ParseExternalReferences(refs)
	if err != nil {
		b.Fatal(err)
	}
	signingKey, _ := signing.NewKey()
	now := time.Now().UTC().Truncate(time.Second)
	hook := &shiftwire.Webhook{
		ID: shiftwire.NewID(time.Now()), TenantID: tn.ID, ClientID: "bench", DestinationURL: dest,
		Collection: shiftwire.Clockings, ExternalReferences: parsed, Key: signingKey,
		Status: shiftwire.WebhookEnabled, CreatedAt: now, ValidUntil: now.Add(shiftwire.DefaultWebhookValidity),
	}
	if err := db.CreateWebhook(ctx, hook); err != nil {
		b.Fatal(err)
	}
	be := &benchEngine{
		e:    New(Config{AllowPrivate: true}, Deps{Store: db, AddReferences: shiftwire.AddExternalReferences}),
		db:   db,
		hook: hook,
	}
	for i := range int64(100) {
		be.deliveries = append(be.deliveries, &shiftwire.Delivery{
			ID: i + 1, WebhookID: hook.ID, TenantID: tn.ID, Version: shiftwire.ChangeVersion(1000 + i), ObjectID: i + 1,
			Collection: shiftwire.Clockings, Type: shiftwire.InsertOrUpdate, CommittedAt: time.Now(),
			Data: fmt.Appendf(nil, `{"id":%d,"person":{"id":%d},"date":"2024-01-02","timeOfDayInMinutes":480,"calculatedTimeOfDayInMinutes":480,`+
				`"isGenerated":false,"terminal":{"id":1},"geolocation":{"longitude":4.35,"latitude":50.85},"kind":"InOut","status":"Active"}`, i+1, i%100+1),
		})
	}
	return be
}

// BenchmarkRenderEvents renders one event and a batch of 100, with the webhook's external
// references read from the store at render time (as the engine does when it sends), and
// without references.
func BenchmarkRenderEvents(b *testing.B) {
	ctx := context.Background()
	for _, refs := range []string{"", "(people,@badge-number)(people,HRMID)"} {
		name := "references=none"
		if refs != "" {
			name = "references=badge+custom"
		}
		be := newBenchEngine(b, refs, "http://127.0.0.1:9/hook")
		for _, n := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/events=%d", name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					events, err := be.e.renderEvents(ctx, be.hook, be.deliveries[:n])
					if err != nil || len(events) != n {
						b.Fatal(err)
					}
					_ = requestBody(events, n > 1)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/event")
			})
		}
	}
}

// BenchmarkSend makes whole attempts to a loopback destination that answers 200 at once:
// render with references, sign, POST, read the answer, classify, build the completion. The
// parallel variant runs as many attempts at once as GOMAXPROCS x 8.
func BenchmarkSend(b *testing.B) {
	ctx := context.Background()
	dest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	defer dest.Close()
	be := newBenchEngine(b, "(people,@badge-number)(people,HRMID)", dest.URL+"/hook")
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			c, ok := be.e.send(ctx, &request{deliveries: be.deliveries[i%100 : i%100+1]})
			if !ok || !c.Succeeded {
				b.Fatalf("attempt failed: %+v", c.Attempt)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				c, ok := be.e.send(ctx, &request{deliveries: be.deliveries[i%100 : i%100+1]})
				if !ok || !c.Succeeded {
					b.Errorf("attempt failed: %+v", c.Attempt)
					return
				}
				i++
			}
		})
	})
}

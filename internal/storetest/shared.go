package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// SharedOpener opens n stores on one fresh, empty database, as n instances would: each with
// connections of its own. A store whose database serves one instance only (SQLite) returns
// the same store n times. It registers its own cleanup.
type SharedOpener func(t *testing.T, n int) []shiftwire.Store

// RunShared runs the tests of what several instances sharing one database rely on: that
// they never lease one delivery twice, that change versions follow commit order whoever
// commits, and that a commit through one wakes the others.
func RunShared(t *testing.T, open SharedOpener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, a, b shiftwire.Store)
	}{
		{"ConcurrentClaims", testSharedClaims},
		{"VersionsInCommitOrder", testSharedVersions},
		{"WebhookCreatedDuringWrites", testSharedWebhookCreation},
		{"NotifyAcrossStores", testSharedNotify},
		{"ConditionalWrites", testSharedPreconditions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stores := open(t, 2)
			tt.fn(t, stores[0], stores[1])
		})
	}
}

// testSharedClaims claims and completes from several goroutines on each of two stores at
// once and checks that every delivery is leased exactly once, that two changes of one
// object are never leased together, and that each object's changes are leased in version
// order.
func testSharedClaims(t *testing.T, a, b shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, a, "acme")
	hooks := []*shiftwire.Webhook{mustWebhook(t, a, tn.ID, shiftwire.Clockings), mustWebhook(t, b, tn.ID, shiftwire.Clockings)}
	const objects, rounds = 40, 5
	for r := range rounds {
		var batch []*shiftwire.Object
		for id := int64(1); id <= objects; id++ {
			batch = append(batch, clocking(id, 1, fmt.Sprintf("2024-01-%02d", r+1)))
		}
		put(t, []shiftwire.Store{a, b}[r%2], tn.ID, batch...)
	}
	total := len(hooks) * objects * rounds

	type lane struct {
		webhook string
		object  int64
	}
	var (
		mu       sync.Mutex
		leased   = map[int64]bool{}                   // every delivery ever leased
		inFlight = map[lane]bool{}                    // lanes with a leased, uncompleted delivery
		lastSeen = map[lane]shiftwire.ChangeVersion{} // the last version leased per lane
		problems []string
		done     int
	)
	claimer := func(s shiftwire.Store, id int) error {
		now := later()
		for idle := 0; idle < 50; {
			ds, err := s.ClaimDeliveries(ctx, shiftwire.ClaimQuery{Now: now, LeaseUntil: now.Add(time.Hour), Limit: 7})
			if err != nil {
				return err
			}
			mu.Lock()
			for _, d := range ds {
				l := lane{d.WebhookID, d.ObjectID}
				switch {
				case leased[d.ID]:
					problems = append(problems, fmt.Sprintf("claimer %d: delivery %d leased twice", id, d.ID))
				case inFlight[l]:
					problems = append(problems, fmt.Sprintf("claimer %d: lane %v leased while in flight", id, l))
				case d.Version <= lastSeen[l]:
					problems = append(problems, fmt.Sprintf("claimer %d: lane %v: version %d after %d", id, l, d.Version, lastSeen[l]))
				}
				leased[d.ID], inFlight[l], lastSeen[l] = true, true, d.Version
			}
			finished := done >= total
			mu.Unlock()
			if finished {
				return nil
			}
			if len(ds) == 0 {
				idle++
				time.Sleep(2 * time.Millisecond)
				continue
			}
			idle = 0
			// The lanes leave the flight before the outcome commits: a claim that sees the next
			// change of a lane can only come after that commit.
			var cs []shiftwire.Completion
			mu.Lock()
			for _, d := range ds {
				delete(inFlight, lane{d.WebhookID, d.ObjectID})
				cs = append(cs, completion([]*shiftwire.Delivery{d}, now, true))
			}
			mu.Unlock()
			if err := s.CompleteDeliveries(ctx, cs); err != nil {
				return err
			}
			mu.Lock()
			done += len(ds)
			mu.Unlock()
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			if err := claimer([]shiftwire.Store{a, b}[i%2], i); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, p := range problems[:min(len(problems), 10)] {
		t.Error(p)
	}
	if len(leased) != total || done != total {
		t.Fatalf("%d deliveries leased and %d completed, want %d", len(leased), done, total)
	}
}

// testSharedVersions writes through two stores at once while a reader follows the change
// log: every version must be read in order with none skipped, which fails if a version
// became visible before a smaller one committed.
func testSharedVersions(t *testing.T, a, b shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, a, "acme")
	const writers, each = 6, 20
	stop := make(chan struct{})
	readErr := make(chan error, 1)
	go func() {
		var last shiftwire.ChangeVersion
		for {
			select {
			case <-stop:
				readErr <- nil
				return
			default:
			}
			changes, err := b.Changes(ctx, tn.ID, last, 1000)
			if err != nil {
				readErr <- err
				return
			}
			for _, c := range changes {
				if c.Version != last+1 {
					readErr <- fmt.Errorf("read version %s after %s: a later version was visible before an earlier one committed", c.Version, last)
					return
				}
				last = c.Version
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		s := []shiftwire.Store{a, b}[w%2]
		wg.Go(func() {
			for i := range each {
				id := int64(w*each + i + 1)
				err := s.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
					if err := tx.Put(ctx, clocking(id, 1, "2024-01-01")); err != nil {
						return err
					}
					return tx.Put(ctx, person(id))
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := <-readErr; err != nil {
		t.Fatal(err)
	}
	changes, err := a.Changes(ctx, tn.ID, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2*writers*each {
		t.Fatalf("%d changes, want %d", len(changes), 2*writers*each)
	}
	for i := 0; i < len(changes); i += 2 {
		c, p := changes[i], changes[i+1]
		if c.Version != shiftwire.ChangeVersion(i+1) || p.Version != c.Version+1 || c.Collection != shiftwire.Clockings || p.ObjectID != c.ObjectID {
			t.Fatalf("versions %s and %s: not one transaction's two changes in a row", c.Version, p.Version)
		}
		if i > 0 && c.CommittedAt.Before(changes[i-1].CommittedAt) {
			t.Fatalf("version %s committed before %s", c.Version, changes[i-1].Version)
		}
	}
}

// testSharedWebhookCreation creates webhooks through one store while the other writes, and
// checks that each webhook was queued exactly the changes committed after it.
func testSharedWebhookCreation(t *testing.T, a, b shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, a, "acme")
	const writes = 60
	done := make(chan error, 1)
	go func() {
		for i := range writes {
			err := a.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
				return tx.Put(ctx, clocking(int64(i%7+1), 1, "2024-01-01"))
			})
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	var hooks []*shiftwire.Webhook
	for range 10 {
		hooks = append(hooks, mustWebhook(t, b, tn.ID, shiftwire.Clockings))
		time.Sleep(time.Millisecond)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// Deliver everything, lane after lane, and collect the versions each webhook got.
	got := map[string][]shiftwire.ChangeVersion{}
	now := later()
	for {
		ds := claimAll(t, a, now, now.Add(time.Hour))
		if len(ds) == 0 {
			break
		}
		var cs []shiftwire.Completion
		for _, d := range ds {
			got[d.WebhookID] = append(got[d.WebhookID], d.Version)
			cs = append(cs, completion([]*shiftwire.Delivery{d}, now, true))
		}
		mustComplete(t, a, cs...)
	}
	for _, w := range hooks {
		var want []shiftwire.ChangeVersion
		for v := w.CreatedAfter + 1; v <= writes; v++ {
			want = append(want, v)
		}
		have := got[w.ID]
		slices.Sort(have)
		if !slices.Equal(have, want) {
			first := "none"
			if len(have) > 0 {
				first = have[0].String()
			}
			t.Errorf("webhook created after version %s was queued %d changes from %s, want the %d after it", w.CreatedAfter, len(have), first, len(want))
		}
	}
}

// testSharedNotify checks that a commit through one store that queued deliveries wakes the
// other.
func testSharedNotify(t *testing.T, a, b shiftwire.Store) {
	tn := mustTenant(t, a, "acme")
	mustWebhook(t, a, tn.ID, shiftwire.Clockings)
	b.Notify() // a store may start listening on the first call
	for i := range 3 {
		// Let a wake-up of the start (a store may signal once when it begins listening)
		// pass, then expect the one of the commit.
		time.Sleep(100 * time.Millisecond)
		drain(b.Notify())
		put(t, a, tn.ID, clocking(int64(i+1), 1, "2024-01-01"))
		select {
		case <-b.Notify():
		case <-time.After(5 * time.Second):
			t.Fatalf("write %d: no Notify on the other store within 5 s", i+1)
		}
	}
}

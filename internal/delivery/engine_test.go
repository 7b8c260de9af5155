package delivery_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/delivery"
	"github.com/shiftwire/shiftwire/internal/signing"
	"github.com/shiftwire/shiftwire/internal/sqlite"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// clock is a hand-moved clock shared by the store and the engine.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// receiver is a destination that records what it receives and answers with respond.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []received
	respond  func(r received) int
}

type received struct {
	header http.Header
	body   []byte
	event  event
}

type event struct {
	ChangeType string          `json:"changeType"`
	Data       json.RawMessage `json:"data"`
}

func (e event) id() int64 {
	var d struct {
		ID int64 `json:"id"`
	}
	json.Unmarshal(e.Data, &d)
	return d.ID
}

func (e event) version() string {
	var d struct {
		ChangeVersion string `json:"changeVersion"`
	}
	json.Unmarshal(e.Data, &d)
	return d.ChangeVersion
}

func newReceiver(t testing.TB, respond func(r received) int) *receiver {
	rc := &receiver{respond: respond}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got := received{header: r.Header.Clone(), body: body}
		json.Unmarshal(body, &got.event)
		status := http.StatusOK
		if rc.respond != nil {
			status = rc.respond(got)
		}
		if status == http.StatusOK || status == http.StatusNoContent {
			rc.mu.Lock()
			rc.requests = append(rc.requests, got)
			rc.mu.Unlock()
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, "answered %d", status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// accepted returns the requests answered with success.
func (rc *receiver) accepted() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.requests...)
}

// fixture is a store, a tenant, a clock and an engine over them.
type fixture struct {
	t      testing.TB
	db     *sqlite.DB
	clock  *clock
	tenant *shiftwire.Tenant
	engine *delivery.Engine
	logs   *syncBuffer
	cfg    delivery.Config
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newFixture(t testing.TB, cfg delivery.Config) *fixture {
	t.Helper()
	db := storetest.OpenSQLite(t)
	clk := &clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	db.SetClock(clk.Now)
	tenant := &shiftwire.Tenant{Name: "acme", TimeZone: shiftwire.DefaultTimeZone}
	if err := db.CreateTenant(context.Background(), tenant); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, clock: clk, tenant: tenant, logs: &syncBuffer{}, cfg: cfg}
	f.cfg.AllowPrivate = true
	f.engine = f.newEngine()
	return f
}

func (f *fixture) newEngine() *delivery.Engine {
	return delivery.New(f.cfg, delivery.Deps{
		Store:         f.db,
		AddReferences: shiftwire.AddExternalReferences,
		Logger:        slog.New(slog.NewJSONHandler(f.logs, nil)),
		Now:           f.clock.Now,
		Jitter:        func() float64 { return 0.5 }, // no jitter: delays are the base ones
	})
}

// webhook creates an enabled webhook of the fixture's tenant and returns it with its key
// as the 201 response shows it.
func (f *fixture) webhook(tenant *shiftwire.Tenant, collection, url string, opts ...func(*shiftwire.Webhook)) (*shiftwire.Webhook, string) {
	f.t.Helper()
	key, err := signing.NewKey()
	if err != nil {
		f.t.Fatal(err)
	}
	now := f.clock.Now()
	w := &shiftwire.Webhook{
		ID: shiftwire.NewID(now), TenantID: tenant.ID, ClientID: "test", DestinationURL: url,
		Collection: collection, Key: key, Status: shiftwire.WebhookEnabled,
		CreatedAt: now, ValidUntil: now.Add(30 * 24 * time.Hour),
	}
	for _, o := range opts {
		o(w)
	}
	if err := f.db.CreateWebhook(context.Background(), w); err != nil {
		f.t.Fatal(err)
	}
	return w, signing.EncodeKey(key)
}

// put commits objects of collection in one write, each with the given id.
func (f *fixture) put(tenant *shiftwire.Tenant, collection string, ids ...int64) {
	f.t.Helper()
	err := f.db.Write(context.Background(), tenant.ID, func(tx shiftwire.WriteTx) error {
		for _, id := range ids {
			o := &shiftwire.Object{Collection: collection, ID: id, Data: json.RawMessage(fmt.Sprintf(`{"id":%d,"name":{"default":"n%d"}}`, id, id))}
			if err := tx.Put(context.Background(), o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) runOnce() {
	f.t.Helper()
	if err := f.engine.RunOnce(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) reload(w *shiftwire.Webhook) *shiftwire.Webhook {
	f.t.Helper()
	got, err := f.db.Webhook(context.Background(), w.TenantID, w.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return got
}

func TestDeliversExactlyTheSubscribedChanges(t *testing.T) {
	f := newFixture(t, delivery.Config{})
	rc := newReceiver(t, nil)
	other := &shiftwire.Tenant{Name: "other", TimeZone: "UTC"}
	if err := f.db.CreateTenant(context.Background(), other); err != nil {
		t.Fatal(err)
	}

	f.put(f.tenant, shiftwire.BreakDefinitions, 1) // before the webhook: never sent
	hook, key := f.webhook(f.tenant, shiftwire.BreakDefinitions, rc.URL)
	f.put(f.tenant, shiftwire.BreakDefinitions, 2, 3)
	f.put(f.tenant, shiftwire.AbsenceGroups, 4) // another collection
	f.put(other, shiftwire.BreakDefinitions, 5) // another tenant
	err := f.db.Write(context.Background(), f.tenant.ID, func(tx shiftwire.WriteTx) error {
		_, err := tx.Delete(context.Background(), shiftwire.BreakDefinitions, 2)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.runOnce()

	got := rc.accepted()
	changes, _ := f.db.Changes(context.Background(), f.tenant.ID, 0, 100)
	byVersion := map[string]shiftwire.Change{}
	for _, c := range changes {
		byVersion[c.Version.String()] = c
	}
	var ids []string
	verifier, err := standardwebhooks.NewWebhook(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		ids = append(ids, fmt.Sprintf("%s %d", r.event.ChangeType, r.event.id()))
		c, ok := byVersion[r.event.version()]
		if !ok {
			t.Fatalf("event with unknown changeVersion %s", r.event.version())
		}
		want := `{"changeType":"InsertOrUpdate","data":` + string(shiftwire.WithChangeVersion(c.Data, c.Version)) + `}`
		if c.Type == shiftwire.Delete {
			want = fmt.Sprintf(`{"changeType":"Delete","data":{"changeVersion":"%s","id":%d}}`, c.Version, c.ObjectID)
		}
		if string(r.body) != want {
			t.Errorf("body = %s\nwant %s", r.body, want)
		}
		if err := verifier.VerifyIgnoringTimestamp(r.body, r.header); err != nil {
			t.Errorf("Standard Webhooks verification with the 201 key: %v", err)
		}
		// The fixture's clock is in the past, so the library's freshness check is skipped and
		// the timestamp compared with that clock instead.
		if ts := r.header.Get("webhook-timestamp"); ts != fmt.Sprint(f.clock.Now().Unix()) {
			t.Errorf("webhook-timestamp = %q, want %d", ts, f.clock.Now().Unix())
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		if ua := r.header.Get("User-Agent"); !strings.HasPrefix(ua, "Shiftwire") {
			t.Errorf("User-Agent = %q", ua)
		}
	}
	want := []string{"InsertOrUpdate 2", "InsertOrUpdate 3", "Delete 2"}
	if len(ids) != len(want) {
		t.Fatalf("received %v, want %v", ids, want)
	}
	// 2 and 3 are different objects and may arrive in either order; the delete of 2 comes
	// after its insert.
	pos := map[string]int{}
	for i, id := range ids {
		pos[id] = i
	}
	if _, ok := pos["InsertOrUpdate 3"]; !ok || pos["InsertOrUpdate 2"] > pos["Delete 2"] {
		t.Fatalf("received %v, want %v (2 before its delete)", ids, want)
	}
	if h := f.reload(hook); h.Status != shiftwire.WebhookEnabled {
		t.Fatalf("webhook %s after successes", h.Status)
	}
}

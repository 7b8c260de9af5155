package httpapi_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/auth"
	"github.com/shiftwire/shiftwire/internal/httpapi"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// testClock is a clock a test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newClockedAPI is newCollectionAPI on a clock the test moves. Tokens are issued on the
// real clock, so they stay valid whatever the server's clock says.
func newClockedAPI(t *testing.T, clock *testClock) *collectionAPI {
	t.Helper()
	db := storetest.OpenSQLite(t)
	tn := &shiftwire.Tenant{Name: "acme", TimeZone: shiftwire.DefaultTimeZone}
	if err := db.CreateTenant(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	_, signKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	issuer := auth.NewIssuer(signKey, time.Now)
	api := httpapi.New(httpapi.Config{BaseDomain: "localhost", DefaultTenant: "acme"}, httpapi.Deps{
		Store:    db,
		Issuer:   issuer,
		Verifier: auth.NewVerifier(issuer, nil),
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:      clock.Now,
	})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	httpapi.CheckResponses(t, srv)
	a := &collectionAPI{t: t, srv: srv, api: api, store: db, tenant: tn, issuer: issuer}
	a.all = a.token(shiftwire.AllScopes()...)
	return a
}

type deltaAnswer struct {
	Value []struct {
		ChangeType string          `json:"changeType"`
		Data       json.RawMessage `json:"data"`
	} `json:"value"`
	NextLink  string `json:"nextLink"`
	DeltaLink string `json:"deltaLink"`
}

func decodeDelta(t *testing.T, r apiResponse) deltaAnswer {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("answer = %s, want 200", r)
	}
	var d deltaAnswer
	if err := json.Unmarshal(r.body, &d); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return d
}

// TestDeltaExpiry checks that a delta lives 72 hours from its last use, and that its
// tokens are then 410.
func TestDeltaExpiry(t *testing.T) {
	clock := &testClock{now: time.Date(2025, 1, 10, 13, 0, 0, 0, time.UTC)}
	a := newClockedAPI(t, clock)
	a.must(http.StatusCreated, "POST", apiBase+"terminals", `{"id":1,"name":"Front door"}`)
	sync := decodeDelta(t, a.do("GET", apiBase+"terminals?delta", a.all, nil))
	if len(sync.Value) != 1 || sync.DeltaLink == "" {
		t.Fatalf("initial sync = %+v, want the terminal and a deltaLink", sync)
	}

	clock.Add(shiftwire.DeltaValidity - time.Minute)
	d := decodeDelta(t, a.do("GET", sync.DeltaLink, a.all, nil))
	if len(d.Value) != 0 || d.DeltaLink == "" {
		t.Fatalf("delta just before expiry = %+v, want empty with a deltaLink", d)
	}
	// The use renewed the delta: 72 hours from the last use, not from the start.
	clock.Add(shiftwire.DeltaValidity - time.Minute)
	d = decodeDelta(t, a.do("GET", d.DeltaLink, a.all, nil))

	clock.Add(shiftwire.DeltaValidity + time.Millisecond)
	if r := a.do("GET", d.DeltaLink, a.all, nil); r.status != http.StatusGone || !strings.Contains(string(r.body), "Gone") {
		t.Fatalf("delta unused for 72 h = %s, want 410", r)
	}
	// Pruning retires it; its token stays gone.
	if n, err := a.store.RetireDeltas(context.Background(), clock.Now().Add(-shiftwire.DeltaValidity)); err != nil || n != 1 {
		t.Fatalf("RetireDeltas = %d, %v; want 1", n, err)
	}
	if r := a.do("GET", d.DeltaLink, a.all, nil); r.status != http.StatusGone {
		t.Fatalf("retired delta = %s, want 410", r)
	}
}

// TestDeltaTokens checks the answers to tokens that are not usable.
func TestDeltaTokens(t *testing.T) {
	clock := &testClock{now: time.Now()}
	a := newClockedAPI(t, clock)
	a.must(http.StatusCreated, "POST", apiBase+"terminals", `{"id":1,"name":"Front door"}`)
	sync := decodeDelta(t, a.do("GET", apiBase+"terminals?delta", a.all, nil))
	other, _, err := a.issuer.Issue(a.srv.URL+"/tenants/acme", "acme", "other", shiftwire.AllScopes())
	if err != nil {
		t.Fatal(err)
	}
	tokenOf := func(link string) string {
		_, tok, _ := strings.Cut(link, "deltaToken=")
		return tok
	}
	beyond := `{"DeltaId":1,"StartingCursor":99,"TimeStamp":"2025-01-10T13:31:14.1669768Z"}`
	for _, tt := range []struct {
		name, path, token string
		status            int
	}{
		{"not base64", apiBase + "delta/terminals?deltaToken=%21%21", a.all, 400},
		{"not the JSON", apiBase + "delta/terminals?deltaToken=" + b64(`{"DeltaId":"x"}`), a.all, 400},
		{"missing", apiBase + "delta/terminals", a.all, 400},
		{"beyond the last change", apiBase + "delta/terminals?deltaToken=" + b64(beyond), a.all, 400},
		{"another client", sync.DeltaLink, other, 410},
		{"another collection", apiBase + "delta/clockings?deltaToken=" + tokenOf(sync.DeltaLink), a.all, 410},
		{"unknown delta", apiBase + "delta/terminals?deltaToken=" + b64(`{"DeltaId":77,"StartingCursor":0,"TimeStamp":"2025-01-10T13:31:14Z"}`), a.all, 410},
		{"filter with delta", apiBase + "terminals?delta&filter=id%20eq%201", a.all, 400},
		{"filter with a delta token", sync.DeltaLink + "&filter=id%20eq%201", a.all, 400},
		{"no read scope", sync.DeltaLink, a.token(shiftwire.ReadScope(shiftwire.Clockings)), 401},
	} {
		if r := a.do("GET", tt.path, tt.token, nil); r.status != tt.status {
			t.Errorf("%s: %s, want %d", tt.name, r, tt.status)
		}
	}
	if r := a.do("GET", sync.DeltaLink, a.all, nil); r.status != 200 {
		t.Fatalf("the token after the refusals = %s, want 200", r)
	}
}

func b64(s string) string {
	return strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(base64.StdEncoding.EncodeToString([]byte(s)))
}

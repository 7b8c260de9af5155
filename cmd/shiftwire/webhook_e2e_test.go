package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// webhookOut is a webhook as GET and list show it. Decoding refuses unknown fields, so a
// key in a GET or list body fails the test.
type webhookOut struct {
	ID                 string              `json:"id"`
	ValidUntil         string              `json:"validUntil"`
	Status             string              `json:"status"`
	DestinationURL     string              `json:"destinationUrl"`
	CollectionName     string              `json:"collectionName"`
	ExternalReferences map[string][]string `json:"externalReferences"`
	BatchSize          int                 `json:"batchSize"`
	DisabledReason     string              `json:"disabledReason"`
}

// createdWebhook is the 201 body of POST /webhooks: a webhook and its key.
type createdWebhook struct {
	webhookOut
	Key string `json:"key"`
}

type webhookList struct {
	Value    []webhookOut `json:"value"`
	NextLink string       `json:"nextLink"`
}

var guid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// hookBody is a create body.
func hookBody(dest, collection string) string {
	b, _ := json.Marshal(map[string]string{"destinationUrl": dest, "collectionName": collection})
	return string(b)
}

// createWebhook creates a webhook as c with the query string query (without '?') and
// body, and checks the 201 answer.
func (s *testServer) createWebhook(c testClient, query, body string) createdWebhook {
	s.t.Helper()
	path := webhooksPath
	if query != "" {
		path += "?" + query
	}
	resp := s.call(c, http.MethodPost, path, body)
	resp.wantStatus(s.t, http.StatusCreated)
	var hook createdWebhook
	resp.decode(s.t, &hook)
	if loc := resp.header.Get("Location"); loc != webhooksPath+"/"+hook.ID {
		s.t.Errorf("Location %q, want %s/%s", loc, webhooksPath, hook.ID)
	}
	return hook
}

// getWebhook reads one webhook of c's tenant and checks the 200 answer.
func (s *testServer) getWebhook(c testClient, id string) webhookOut {
	s.t.Helper()
	resp := s.call(c, http.MethodGet, webhooksPath+"/"+id, "")
	resp.wantStatus(s.t, http.StatusOK)
	var hook webhookOut
	resp.decode(s.t, &hook)
	return hook
}

// listPage reads one page of webhooks at path (the list path with its query, or a
// nextLink).
func (s *testServer) listPage(c testClient, path string) webhookList {
	s.t.Helper()
	resp := s.call(c, http.MethodGet, path, "")
	resp.wantStatus(s.t, http.StatusOK)
	var l webhookList
	resp.decode(s.t, &l)
	return l
}

// listIDs returns the ids of every webhook of c's tenant that filter selects, following
// nextLink.
func (s *testServer) listIDs(c testClient, filter string) []string {
	s.t.Helper()
	path := webhooksPath
	if filter != "" {
		path += "?" + url.Values{"filter": {filter}}.Encode()
	}
	var ids []string
	for path != "" {
		l := s.listPage(c, path)
		for _, h := range l.Value {
			ids = append(ids, h.ID)
		}
		path = l.NextLink
	}
	return ids
}

// wantOffset checks that validUntil is about validity from now, rendered with the offset
// loc has at that instant, and that the offset is one of offsets.
func wantOffset(t *testing.T, validUntil string, validity time.Duration, loc string, offsets ...string) {
	t.Helper()
	at, err := time.Parse(time.RFC3339, validUntil)
	if err != nil {
		t.Fatalf("validUntil %q is not ISO 8601: %v", validUntil, err)
	}
	zone, err := time.LoadLocation(loc)
	if err != nil {
		t.Fatal(err)
	}
	if want := at.In(zone).Format("2006-01-02T15:04:05-07:00"); validUntil != want {
		t.Errorf("validUntil %q, want %q: the time in %s", validUntil, want, loc)
	}
	if !slices.Contains(offsets, validUntil[len(validUntil)-6:]) {
		t.Errorf("validUntil %q has none of the offsets %q of %s", validUntil, offsets, loc)
	}
	if d := time.Until(at) - validity; d < -time.Minute || d > time.Minute {
		t.Errorf("validUntil %q is not %v from now", validUntil, validity)
	}
}

func TestCreateWebhook(t *testing.T) {
	f := newFixture(t)

	hook := f.createWebhook(f.acme, "externalReferences=(people,@badge-number)", hookBody("https://example.com/hook?token=receiver-secret-42", "clockings"))
	if !guid.MatchString(hook.ID) {
		t.Errorf("id %q is not a GUID", hook.ID)
	}
	key, ok := strings.CutPrefix(hook.Key, "whsec_")
	if raw, err := base64.StdEncoding.DecodeString(key); !ok || err != nil || len(raw) != 32 {
		t.Errorf("key is not whsec_ and base64 of 32 bytes")
	}
	if hook.Status != "Enabled" || hook.DestinationURL != "https://example.com/hook?token=receiver-secret-42" || hook.CollectionName != "clockings" || hook.DisabledReason != "" {
		t.Errorf("created %+v", hook.webhookOut)
	}
	if got := fmt.Sprint(hook.ExternalReferences); got != "map[people:[@badge-number]]" {
		t.Errorf("externalReferences %s, want {\"people\":[\"@badge-number\"]}", got)
	}
	wantOffset(t, hook.ValidUntil, shiftwire.DefaultWebhookValidity, "Europe/Brussels", "+01:00", "+02:00")

	t.Run("time zone of the tenant", func(t *testing.T) {
		hook := f.createWebhook(f.nyc, "", hookBody("https://example.com/nyc", "contracts"))
		wantOffset(t, hook.ValidUntil, shiftwire.DefaultWebhookValidity, "America/New_York", "-05:00", "-04:00")
		if got := f.getWebhook(f.nyc, hook.ID); got.ValidUntil != hook.ValidUntil {
			t.Errorf("GET validUntil %q, created %q", got.ValidUntil, hook.ValidUntil)
		}
	})

	t.Run("external references", func(t *testing.T) {
		for _, tt := range []struct{ collection, query, want string }{
			{"clockings", "", "null"},
			{"clockings", "(people,@employee-number)(terminals,@external-code)(people,payroll-id)(activity-definitions,@data-entry-code)(absence-definitions,@absence-code)",
				`{"people":["@employee-number","payroll-id"],"terminals":["@external-code"],"activity-definitions":["@data-entry-code"],"absence-definitions":["@absence-code"]}`},
			{"contracts", "(contracts,sap-id)(people,@badge-number)", `{"contracts":["sap-id"],"people":["@badge-number"]}`},
		} {
			query := ""
			if tt.query != "" {
				query = url.Values{"externalReferences": {tt.query}}.Encode()
			}
			resp := f.call(f.acme, http.MethodPost, webhooksPath+"?"+query, hookBody("https://example.com/hook", tt.collection))
			resp.wantStatus(t, http.StatusCreated)
			var raw map[string]json.RawMessage
			json.Unmarshal(resp.body, &raw)
			got := string(raw["externalReferences"])
			if got == "" {
				got = "null"
			}
			if got != tt.want {
				t.Errorf("%s %s: externalReferences %s, want %s", tt.collection, tt.query, got, tt.want)
			}
		}
	})

	t.Run("the key is shown only once", func(t *testing.T) {
		second := f.createWebhook(f.acme, "", hookBody("https://example.com/hook", "contracts"))
		if second.Key == hook.Key {
			t.Error("two webhooks got the same key")
		}
		get := f.call(f.acme, http.MethodGet, webhooksPath+"/"+hook.ID, "")
		list := f.call(f.acme, http.MethodGet, webhooksPath, "")
		for _, resp := range []*apiResponse{get, list} {
			resp.wantStatus(t, http.StatusOK)
			if strings.Contains(string(resp.body), key) || strings.Contains(string(resp.body), `"key"`) {
				t.Errorf("a read shows the key: %s", resp.body)
			}
		}
		if got := f.getWebhook(f.acme, hook.ID); !reflect.DeepEqual(got, hook.webhookOut) {
			t.Errorf("GET %+v, created %+v", got, hook.webhookOut)
		}
	})

	// No log line holds the key, a client secret, an access token or the query of a
	// destination URL (a receiver's own secret often sits there), and the database holds
	// the key only encrypted.
	f.stop()
	log := f.stderr.String()
	for name, secret := range map[string]string{
		"signing key":    key,
		"client secret":  f.acme.ClientSecret,
		"access token":   f.token(f.acme),
		"receiver token": "receiver-secret-42",
	} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds the %s", name)
		}
	}
	if !strings.Contains(log, hook.ID) {
		t.Errorf("the log does not record the webhook's creation")
	}
	assertFileLacks(t, f.db, key)
	raw, _ := base64.StdEncoding.DecodeString(key)
	assertFileLacks(t, f.db, string(raw))
}

func TestCreateWebhookValidation(t *testing.T) {
	f := newFixture(t)
	existing := f.createWebhook(f.acme, "", hookBody("https://example.com/hook", "clockings"))
	want := []string{existing.ID}
	long := "https://example.com/" + strings.Repeat("a", shiftwire.MaxDestinationURLLength-len("https://example.com/")+1)
	longest := long[:shiftwire.MaxDestinationURLLength]

	// Each case is refused, names the problem and writes nothing.
	tests := []struct {
		name   string
		query  string
		body   string
		fields []string // validationErrors expected; nil for a business-rule error
		reason string   // what a business-rule error mentions
	}{
		{name: "not JSON", body: `{"destinationUrl":`, fields: []string{""}},
		{name: "not an object", body: `["https://example.com/hook","clockings"]`, fields: []string{""}},
		{name: "null", body: `null`, fields: []string{""}},
		{name: "two objects", body: `{} {}`, fields: []string{""}},
		{name: "empty body", body: ` `, fields: []string{""}},
		{name: "missing fields", body: `{}`, fields: []string{"destinationUrl", "collectionName"}},
		{name: "missing collection", body: `{"destinationUrl":"https://example.com/hook"}`, fields: []string{"collectionName"}},
		{name: "null destination", body: `{"destinationUrl":null,"collectionName":"clockings"}`, fields: []string{"destinationUrl"}},
		{name: "wrong types", body: `{"destinationUrl":42,"collectionName":["clockings"]}`, fields: []string{"destinationUrl", "collectionName"}},
		{name: "unknown fields", body: `{"destinationUrl":"https://example.com/hook","collectionName":"clockings","status":"Enabled","key":"x"}`, fields: []string{"key", "status"}},
		{name: "everything wrong", body: `{"destinationUrl":true,"extra":1}`, fields: []string{"destinationUrl", "collectionName", "extra"}},
		{name: "unknown collection", body: hookBody("https://example.com/hook", "payslips"), reason: "unknown collection name"},
		{name: "collection that cannot be subscribed to", body: hookBody("https://example.com/hook", "terminals"), reason: "unknown collection name"},
		{name: "empty destination", body: hookBody("", "clockings"), reason: "invalid destination URL"},
		{name: "destination too long", body: hookBody(long, "clockings"), reason: "longer than 2048"},
		{name: "relative destination", body: hookBody("/hook", "clockings"), reason: "absolute"},
		{name: "http destination", body: hookBody("http://example.com/hook", "clockings"), reason: "https"},
		{name: "other scheme", body: hookBody("ftp://example.com/hook", "clockings"), reason: "https"},
		{name: "user info", body: hookBody("https://user:pass@example.com/hook", "clockings"), reason: "user information"},
		{name: "loopback address", body: hookBody("https://127.0.0.1/hook", "clockings"), reason: "public"},
		{name: "loopback name", body: hookBody("https://localhost:8443/hook", "clockings"), reason: "loopback"},
		{name: "private address", body: hookBody("https://10.1.2.3/hook", "clockings"), reason: "public"},
		{name: "metadata address", body: hookBody("https://169.254.169.254/latest", "clockings"), reason: "public"},
		{name: "hidden loopback", body: hookBody("https://2130706433/hook", "clockings"), reason: "IPv4"},
		{name: "IPv6 loopback", body: hookBody("https://[::1]/hook", "clockings"), reason: "public"},
		{name: "references syntax", query: "(people,@badge-number", body: hookBody("https://example.com/hook", "clockings"), reason: "invalid external references"},
		{name: "references with spaces", query: "(people, @badge-number)", body: hookBody("https://example.com/hook", "clockings"), reason: "no spaces"},
		{name: "references twice", query: "(people,@badge-number)(people,@badge-number)", body: hookBody("https://example.com/hook", "clockings"), reason: "twice"},
		{name: "references on a collection without any", query: "(people,@badge-number)", body: hookBody("https://example.com/hook", "break-definitions"), reason: "invalid external references"},
		{name: "reference the collection does not list", query: "(terminals,@external-code)", body: hookBody("https://example.com/hook", "contracts"), reason: "invalid external references"},
		{name: "unknown predefined reference", query: "(people,@shoe-size)", body: hookBody("https://example.com/hook", "clockings"), reason: "invalid external references"},
		{name: "predefined reference of another collection", query: "(terminals,@badge-number)", body: hookBody("https://example.com/hook", "clockings"), reason: "invalid external references"},
		{name: "batch size zero", query: "batchSize=0", body: hookBody("https://example.com/hook", "clockings"), reason: "batchSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := webhooksPath
			if strings.HasPrefix(tt.query, "(") {
				path += "?" + url.Values{"externalReferences": {tt.query}}.Encode()
			} else if tt.query != "" {
				path += "?" + tt.query
			}
			resp := f.call(f.acme, http.MethodPost, path, tt.body)
			if tt.fields != nil {
				resp.wantValidation(t, tt.fields...)
			} else {
				resp.wantError(t, http.StatusBadRequest, "BadRequest", tt.reason)
			}
			if got := f.listIDs(f.acme, ""); !slices.Equal(got, want) {
				t.Fatalf("after a refused create the list holds %q, want %q", got, want)
			}
		})
	}

	t.Run("destination of exactly 2048 characters", func(t *testing.T) {
		hook := f.createWebhook(f.acme, "", hookBody(longest, "clockings"))
		if hook.DestinationURL != longest {
			t.Error("the destination was changed")
		}
	})
}

func TestDestinationsByMode(t *testing.T) {
	local := hookBody("http://127.0.0.1:9999/hook", "clockings")
	for _, tt := range []struct {
		name     string
		args     []string
		accepted []string
		refused  []string
	}{
		{"production", nil,
			[]string{"https://example.com/hook"},
			[]string{"http://127.0.0.1:9999/hook", "https://127.0.0.1/hook", "http://example.com/hook", "https://localhost/hook"}},
		{"insecure only", []string{"--allow-insecure-destinations"},
			[]string{"http://example.com/hook"},
			[]string{"http://127.0.0.1:9999/hook", "https://192.168.1.1/hook"}},
		{"private only", []string{"--allow-private-destinations"},
			[]string{"https://127.0.0.1/hook", "https://localhost:8443/hook", "https://[::1]/hook"},
			[]string{"http://127.0.0.1:9999/hook", "http://example.com/hook"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := tempDB(t)
			createTenant(t, db, "acme", "")
			c := addClient(t, db, "acme", shiftwire.ScopeWebhooksRead, shiftwire.ScopeWebhooksWrite, shiftwire.ReadScope(shiftwire.Clockings))
			s := startServer(t, db, tt.args...)
			for _, dest := range tt.accepted {
				s.createWebhook(c, "", hookBody(dest, "clockings"))
			}
			for _, dest := range tt.refused {
				s.call(c, http.MethodPost, webhooksPath, hookBody(dest, "clockings")).wantError(t, http.StatusBadRequest, "BadRequest", "invalid destination URL")
			}
			if got := len(s.listIDs(c, "")); got != len(tt.accepted) {
				t.Errorf("%d webhooks, want %d", got, len(tt.accepted))
			}
		})
	}

	t.Run("dev", func(t *testing.T) {
		// --dev allows http and loopback destinations, creates the demo tenant and client,
		// serves the demo tenant on hosts outside the base domain, and honours other flags.
		s := startServer(t, tempDB(t), "--dev", "--webhook-validity", "1h")
		demo := testClient{Tenant: "demo", ClientID: "demo", ClientSecret: "demo-secret"}
		for _, want := range []string{`"demo"`, "demo-secret", "curl", "/tenants/demo/connect/token"} {
			if !strings.Contains(s.stdout.String(), want) {
				t.Errorf("dev start-up text lacks %q:\n%s", want, s.stdout)
			}
		}
		resp := s.do(apiRequest{method: http.MethodPost, path: webhooksPath, token: s.token(demo), body: local})
		resp.wantStatus(t, http.StatusCreated)
		var hook createdWebhook
		resp.decode(t, &hook)
		wantOffset(t, hook.ValidUntil, time.Hour, "Europe/Brussels", "+01:00", "+02:00")
		resp = s.do(apiRequest{method: http.MethodGet, path: webhooksPath, token: s.token(demo)})
		resp.wantStatus(t, http.StatusOK)
		if !strings.Contains(string(resp.body), hook.ID) {
			t.Errorf("the list on the default host lacks the new webhook: %s", resp.body)
		}
		// Dev mode logs readable text, not JSON.
		if line, _, _ := strings.Cut(s.stderr.String(), "\n"); strings.HasPrefix(line, "{") {
			t.Errorf("dev log line %q is JSON", line)
		}
	})

	t.Run("restart keeps the demo client and webhooks", func(t *testing.T) {
		db := tempDB(t)
		first := startServer(t, db, "--dev")
		demo := testClient{Tenant: "demo", ClientID: "demo", ClientSecret: "demo-secret"}
		resp := first.do(apiRequest{method: http.MethodPost, path: webhooksPath, token: first.token(demo), body: local})
		resp.wantStatus(t, http.StatusCreated)
		first.stop()
		second := startServer(t, db, "--dev")
		if got := second.listIDs(demo, ""); len(got) != 1 {
			t.Errorf("after a restart the demo tenant has %d webhooks, want 1", len(got))
		}
	})
}

func TestListWebhooks(t *testing.T) {
	f := newFixture(t)
	create := func(collection string) string {
		return f.createWebhook(f.acme, "", hookBody("https://example.com/"+collection, collection)).ID
	}
	c1 := create("clockings")
	c2 := create("contracts")
	c3 := create("break-definitions")
	c4 := create("absence-groups")
	c5 := create("clockings")
	for _, id := range []string{c2, c5} {
		f.call(f.acme, http.MethodDelete, webhooksPath+"/"+id, "").wantStatus(t, http.StatusNoContent)
	}
	// Another tenant's webhooks never show.
	f.createWebhook(f.nyc, "", hookBody("https://example.com/nyc", "clockings"))

	// Webhooks are listed in id order, which follows creation order.
	sorted := func(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }
	tests := []struct {
		filter string
		want   []string
	}{
		{"", sorted(c1, c2, c3, c4, c5)},
		{"status eq 'Disabled'", sorted(c2, c5)},
		{"status eq 'Enabled'", sorted(c1, c3, c4)},
		{"status eq 'Uninitialized'", nil},
		{"collection-name in ('clockings','contracts')", sorted(c1, c2, c5)},
		{"collection-name eq 'clockings'", sorted(c1, c5)},
		{"collectionName eq 'absence-groups'", sorted(c4)},
		{"collection-name in ('clockings','contracts') and status eq 'Enabled'", sorted(c1)},
		{"status eq 'Disabled' or collection-name eq 'absence-groups'", sorted(c2, c4, c5)},
		{"(collection-name eq 'contracts' or collection-name eq 'break-definitions') and status eq 'Enabled'", sorted(c3)},
		{"collection-name eq 'people'", nil},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			if got := f.listIDs(f.acme, tt.filter); !slices.Equal(got, tt.want) {
				t.Errorf("filter %q: %q, want %q", tt.filter, got, tt.want)
			}
		})
	}

	t.Run("list entries", func(t *testing.T) {
		l := f.listPage(f.acme, webhooksPath+"?"+url.Values{"filter": {"status eq 'Disabled'"}}.Encode())
		if l.NextLink != "" {
			t.Errorf("nextLink %q on the only page", l.NextLink)
		}
		for _, h := range l.Value {
			if h.Status != "Disabled" || h.DisabledReason != "Deleted" {
				t.Errorf("deleted webhook listed as %s/%s", h.Status, h.DisabledReason)
			}
		}
		empty := f.call(f.acme, http.MethodGet, webhooksPath+"?"+url.Values{"filter": {"status eq 'Uninitialized'"}}.Encode(), "")
		if strings.TrimSpace(string(empty.body)) != `{"value":[]}` {
			t.Errorf("empty list %s, want {\"value\":[]}", empty.body)
		}
	})

	for _, bad := range []string{
		"status eq Disabled",
		"status eq 'Paused'",
		"color eq 'red'",
		"status ne 'Enabled'",
		"status eq 'Enabled' and",
		"(status eq 'Enabled'",
		"collection-name in ()",
		"status eq 1",
		"status eq 'Enabled'))",
		" ",
	} {
		t.Run("bad filter "+bad, func(t *testing.T) {
			f.call(f.acme, http.MethodGet, webhooksPath+"?"+url.Values{"filter": {bad}}.Encode(), "").
				wantError(t, http.StatusBadRequest, "BadRequest")
		})
	}
}

func TestListPaging(t *testing.T) {
	// 120 webhooks are created in a row, more than one client's burst of requests.
	f := newFixture(t, "--rate-limit", "0")
	var created []string
	for i := range 120 {
		collection := "clockings"
		if i%3 == 0 {
			collection = "contracts"
		}
		created = append(created, f.createWebhook(f.acme, "", hookBody(fmt.Sprintf("https://example.com/%d", i), collection)).ID)
	}
	slices.Sort(created)

	first := f.listPage(f.acme, webhooksPath)
	if len(first.Value) != 100 || first.NextLink == "" {
		t.Fatalf("first page: %d webhooks, nextLink %q; want 100 and a link", len(first.Value), first.NextLink)
	}
	if !strings.HasPrefix(first.NextLink, webhooksPath+"?") || !strings.Contains(first.NextLink, "continuationToken=") {
		t.Errorf("nextLink %q is not a host-relative link with a continuation token", first.NextLink)
	}
	second := f.listPage(f.acme, first.NextLink)
	if len(second.Value) != 20 || second.NextLink != "" {
		t.Fatalf("second page: %d webhooks, nextLink %q; want 20 and none", len(second.Value), second.NextLink)
	}
	var got []string
	for _, h := range append(first.Value, second.Value...) {
		got = append(got, h.ID)
	}
	if !slices.Equal(got, created) {
		t.Error("the two pages do not hold every webhook exactly once, in order")
	}

	// The filter carries over to the next page.
	clockings := f.listIDs(f.acme, "collection-name eq 'clockings'")
	if len(clockings) != 80 {
		t.Errorf("%d clockings webhooks over all pages, want 80", len(clockings))
	}
	enabled := url.Values{"filter": {"status eq 'Enabled'"}}.Encode()
	filtered := f.listPage(f.acme, webhooksPath+"?"+enabled)
	if len(filtered.Value) != 100 || !strings.Contains(filtered.NextLink, enabled) {
		t.Errorf("filtered first page: %d webhooks, nextLink %q; want 100 and the filter kept", len(filtered.Value), filtered.NextLink)
	}

	// Another tenant sees none of them, and cannot use the link.
	if got := f.listIDs(f.nyc, ""); len(got) != 0 {
		t.Errorf("nyc lists %d of acme's webhooks", len(got))
	}
	if l := f.listPage(f.nyc, first.NextLink); len(l.Value) != 0 {
		t.Errorf("acme's nextLink shows nyc %d webhooks", len(l.Value))
	}

	for _, bad := range []string{"garbage!", "AAAA", base64.RawURLEncoding.EncodeToString([]byte("c2:x"))} {
		f.call(f.acme, http.MethodGet, webhooksPath+"?continuationToken="+url.QueryEscape(bad), "").
			wantError(t, http.StatusConflict, "Conflict", "continuation token")
	}
}

func TestGetAndDeleteWebhook(t *testing.T) {
	f := newFixture(t)
	hook := f.createWebhook(f.acme, "", hookBody("https://example.com/hook", "break-definitions"))
	theirs := f.createWebhook(f.nyc, "", hookBody("https://example.com/hook", "break-definitions"))
	path := webhooksPath + "/" + hook.ID

	got := f.getWebhook(f.acme, hook.ID)
	if got.ID != hook.ID || got.Status != "Enabled" || got.DisabledReason != "" {
		t.Errorf("GET %+v", got)
	}

	for _, id := range []string{shiftwire.NewID(time.Now()), "not-a-guid", theirs.ID} {
		f.call(f.acme, http.MethodGet, webhooksPath+"/"+id, "").wantError(t, http.StatusNotFound, "NotFound")
		f.call(f.acme, http.MethodDelete, webhooksPath+"/"+id, "").wantError(t, http.StatusNotFound, "NotFound")
	}
	if got := f.getWebhook(f.nyc, theirs.ID); got.Status != "Enabled" {
		t.Errorf("another tenant's delete changed nyc's webhook to %s", got.Status)
	}

	resp := f.call(f.acme, http.MethodDelete, path, "")
	resp.wantStatus(t, http.StatusNoContent)
	if len(resp.body) != 0 {
		t.Errorf("204 with a body: %s", resp.body)
	}
	got = f.getWebhook(f.acme, hook.ID)
	if got.Status != "Disabled" || got.DisabledReason != "Deleted" || got.ValidUntil != hook.ValidUntil {
		t.Errorf("after delete: %+v", got)
	}
	// Deleting again changes nothing and still answers 204.
	f.call(f.acme, http.MethodDelete, path, "").wantStatus(t, http.StatusNoContent)
	if again := f.getWebhook(f.acme, hook.ID); !reflect.DeepEqual(again, got) {
		t.Errorf("a second delete changed the webhook: %+v", again)
	}

	// There is no update: re-enabling is not supported.
	for _, method := range []string{http.MethodPut, http.MethodPatch, http.MethodPost} {
		resp := f.do(apiRequest{method: method, path: path, host: acmeHost, token: f.token(f.acme), body: `{"status":"Enabled"}`, unrouted: true})
		resp.wantError(t, http.StatusMethodNotAllowed, "MethodNotAllowed")
		allow := resp.header.Get("Allow")
		if !strings.Contains(allow, "GET") || !strings.Contains(allow, "DELETE") || strings.Contains(allow, method) {
			t.Errorf("%s: Allow %q, want GET and DELETE only", method, allow)
		}
	}
	resp = f.do(apiRequest{method: http.MethodDelete, path: webhooksPath, host: acmeHost, token: f.token(f.acme), unrouted: true})
	resp.wantError(t, http.StatusMethodNotAllowed, "MethodNotAllowed")
	if allow := resp.header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("DELETE /webhooks: Allow %q, want GET and POST", allow)
	}
	if got := f.getWebhook(f.acme, hook.ID); got.Status != "Disabled" {
		t.Errorf("a refused method changed the webhook to %s", got.Status)
	}
}

func TestProtocol(t *testing.T) {
	f := newFixture(t)
	token := f.token(f.acme)

	t.Run("User-Agent is required", func(t *testing.T) {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			f.do(apiRequest{method: method, path: webhooksPath, host: acmeHost, token: token, noAgent: true, body: hookBody("https://example.com/hook", "clockings")}).
				wantError(t, http.StatusBadRequest, "BadRequest", "User-Agent")
		}
		if ids := f.listIDs(f.acme, ""); len(ids) != 0 {
			t.Errorf("a request without User-Agent created %d webhooks", len(ids))
		}
	})

	t.Run("unknown tenant", func(t *testing.T) {
		for _, host := range []string{"nobody.localhost", "nobody.localhost:8080", "127.0.0.1", "example.com"} {
			f.do(apiRequest{method: http.MethodGet, path: webhooksPath, host: host, token: token}).
				wantError(t, http.StatusNotFound, "NotFound")
		}
		// The Host is matched case-insensitively and with its port.
		f.do(apiRequest{method: http.MethodGet, path: webhooksPath, host: "ACME.localhost:8080", token: token}).wantStatus(t, http.StatusOK)
	})

	t.Run("URI too long", func(t *testing.T) {
		path := webhooksPath + "?filter=" + strings.Repeat("a", 4096)
		f.do(apiRequest{method: http.MethodGet, path: path, host: acmeHost, token: token}).wantError(t, http.StatusRequestURITooLong, "UriTooLong")
		// 4,096 characters are still fine.
		path = webhooksPath + "?x=" + strings.Repeat("a", 4096-len(webhooksPath)-3)
		f.do(apiRequest{method: http.MethodGet, path: path, host: acmeHost, token: token}).wantStatus(t, http.StatusOK)
	})

	t.Run("body too large", func(t *testing.T) {
		big := hookBody("https://example.com/"+strings.Repeat("a", 1<<20), "clockings")
		f.do(apiRequest{method: http.MethodPost, path: webhooksPath, host: acmeHost, token: token, body: big}).
			wantError(t, http.StatusRequestEntityTooLarge, "PayloadTooLarge")
		if ids := f.listIDs(f.acme, ""); len(ids) != 0 {
			t.Errorf("a body over the limit created %d webhooks", len(ids))
		}
	})

	t.Run("unknown path", func(t *testing.T) {
		for _, path := range []string{"/", "/nothing", "/connector/protimeapi/api/v1/", "/connector/protimeapi/api/v1/payslips", webhooksPath + "/x/y/z"} {
			f.do(apiRequest{method: http.MethodGet, path: path, host: acmeHost, token: token, unrouted: true}).wantError(t, http.StatusNotFound, "NotFound")
		}
	})

	t.Run("health", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/readyz"} {
			for _, host := range []string{"", "nobody.localhost"} {
				resp := f.do(apiRequest{method: http.MethodGet, path: path, host: host, noAgent: true})
				resp.wantStatus(t, http.StatusOK)
				var body struct{ Status string }
				resp.decode(t, &body)
				if body.Status != "ok" {
					t.Errorf("%s: status %q", path, body.Status)
				}
			}
		}
		f.do(apiRequest{method: http.MethodPost, path: "/healthz", unrouted: true}).wantError(t, http.StatusMethodNotAllowed, "MethodNotAllowed")
	})

	t.Run("one log line per request with its id", func(t *testing.T) {
		resp := f.do(apiRequest{method: http.MethodGet, path: webhooksPath, host: acmeHost, token: token})
		id := resp.header.Get("X-Request-Id")
		if id == "" {
			t.Fatal("no X-Request-Id")
		}
		f.stop()
		var found bool
		for line := range strings.Lines(f.stderr.String()) {
			var entry map[string]any
			if err := json.Unmarshal([]byte(line), &entry); err != nil {
				t.Fatalf("log line %q is not JSON: %v", line, err)
			}
			if entry["requestId"] == id {
				found = true
				if entry["msg"] != "request" || entry["status"] != float64(200) || entry["tenant"] != "acme" || entry["clientId"] != f.acme.ClientID || entry["path"] != webhooksPath {
					t.Errorf("request log line %s", line)
				}
			}
		}
		if !found {
			t.Errorf("no log line with requestId %s", id)
		}
		if strings.Contains(f.stderr.String(), token) || strings.Contains(f.stderr.String(), f.acme.ClientSecret) {
			t.Error("the log holds a token or a client secret")
		}
	})
}

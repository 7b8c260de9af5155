package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// deliveryFixture is a server with two break-definitions webhooks: one to a destination
// that accepts, one to a destination that always answers 500. args are added to serve's.
type deliveryFixture struct {
	srv          *testServer
	token        string
	good, broken map[string]any // the 201 bodies
}

func newDeliveryFixture(t *testing.T, args ...string) *deliveryFixture {
	db := tempDB(t)
	createTenant(t, db, "acme", shiftwire.DefaultTimeZone)
	client := addClient(t, db, "acme", shiftwire.ScopeWebhooksWrite, shiftwire.ScopeWebhooksRead,
		shiftwire.ReadScope(shiftwire.BreakDefinitions), shiftwire.WriteScope(shiftwire.BreakDefinitions))
	srv := startServer(t, db, append([]string{"--allow-private-destinations", "--allow-insecure-destinations"}, args...)...)
	f := &deliveryFixture{srv: srv, token: srv.token(client)}
	accept := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("thanks"))
	}))
	t.Cleanup(accept.Close)
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(strings.Repeat("x", 10000)))
	}))
	t.Cleanup(refuse.Close)
	f.good = f.createWebhook(t, accept.URL)
	f.broken = f.createWebhook(t, refuse.URL)
	writeBreakDefinitions(t, srv, f.token, 0, []int64{1, 2, 3})
	return f
}

func (f *deliveryFixture) createWebhook(t *testing.T, dest string) map[string]any {
	resp := f.srv.do(apiRequest{method: http.MethodPost, path: "/connector/protimeapi/api/v1/webhooks", host: "acme.localhost", token: f.token,
		body: fmt.Sprintf(`{"destinationUrl":%q,"collectionName":"break-definitions"}`, dest)})
	resp.wantStatus(t, http.StatusCreated)
	var body map[string]any
	resp.decode(t, &body)
	return body
}

func (f *deliveryFixture) get(t *testing.T, path string) *apiResponse {
	return f.srv.do(apiRequest{method: http.MethodGet, path: "/connector/protimeapi/api/v1/" + path, host: "acme.localhost", token: f.token})
}

type deliveryList struct {
	Value []struct {
		ID                     string   `json:"id"`
		AttemptedAt            string   `json:"attemptedAt"`
		DurationInMilliseconds int64    `json:"durationInMilliseconds"`
		StatusCode             int      `json:"statusCode"`
		Outcome                string   `json:"outcome"`
		Error                  string   `json:"error"`
		ChangeVersions         []string `json:"changeVersions"`
		Attempt                int      `json:"attempt"`
		NextAttemptAt          string   `json:"nextAttemptAt"`
	} `json:"value"`
	NextLink string `json:"nextLink"`
}

// deliveries waits until the webhook has n recorded attempts matching filter and returns them.
func (f *deliveryFixture) deliveries(t *testing.T, hook map[string]any, filter string, n int) deliveryList {
	t.Helper()
	path := fmt.Sprintf("webhooks/%s/deliveries", hook["id"])
	if filter != "" {
		path += "?filter=" + url.QueryEscape(filter)
	}
	var list deliveryList
	waitFor(t, 10*time.Second, fmt.Sprintf("%d attempts at %s", n, path), func() bool {
		resp := f.get(t, path)
		resp.wantStatus(t, http.StatusOK)
		list = deliveryList{}
		json.Unmarshal(resp.body, &list)
		return len(list.Value) >= n
	})
	return list
}

func TestDebuggingEndpoints(t *testing.T) {
	f := newDeliveryFixture(t)

	ok := f.deliveries(t, f.good, "", 3)
	for _, d := range ok.Value {
		if d.Outcome != "Succeeded" || d.StatusCode != 200 || d.Attempt != 1 || len(d.ChangeVersions) != 1 ||
			d.NextAttemptAt != "" || d.Error != "" || !strings.HasSuffix(d.AttemptedAt, "+01:00") && !strings.HasSuffix(d.AttemptedAt, "+02:00") {
			t.Errorf("succeeded delivery = %+v", d)
		}
	}
	if ok.Value[0].ID <= ok.Value[1].ID {
		t.Errorf("deliveries not newest first: %s then %s", ok.Value[0].ID, ok.Value[1].ID)
	}

	failed := f.deliveries(t, f.broken, "outcome eq 'Failed' and status-code ge 500", 1)
	d := failed.Value[0]
	if d.StatusCode != 500 || d.NextAttemptAt == "" || d.Error == "" {
		t.Errorf("failed delivery = %+v", d)
	}
	if none := f.deliveries(t, f.broken, "outcome in ('Succeeded','TimedOut')", 0); len(none.Value) != 0 {
		t.Errorf("filter outcome in (Succeeded, TimedOut) matched %d failed attempts", len(none.Value))
	}

	detail := f.get(t, fmt.Sprintf("webhooks/%s/deliveries/%s", f.broken["id"], d.ID))
	detail.wantStatus(t, http.StatusOK)
	var full struct {
		Outcome string `json:"outcome"`
		Request struct {
			Headers map[string]string `json:"headers"`
			Body    json.RawMessage   `json:"body"`
		} `json:"request"`
		Response struct {
			Body string `json:"body"`
		} `json:"response"`
	}
	if err := json.Unmarshal(detail.body, &full); err != nil {
		t.Fatal(err)
	}
	if full.Request.Headers["Webhook-Signature"] == "" || full.Request.Headers["Webhook-Id"] == "" ||
		!strings.Contains(string(full.Request.Body), `"changeType":"InsertOrUpdate"`) {
		t.Errorf("detail request = %+v", full.Request)
	}
	if len(full.Response.Body) != shiftwire.MaxRecordedResponse {
		t.Errorf("recorded %d bytes of the response, want the first %d", len(full.Response.Body), shiftwire.MaxRecordedResponse)
	}

	// Errors: a bad filter, unknown ids, and the scope.
	f.get(t, fmt.Sprintf("webhooks/%s/deliveries?filter=%s", f.good["id"], url.QueryEscape("colour eq 'red'"))).wantError(t, 400, "BadRequest")
	f.get(t, "webhooks/01a20360-3bd0-746c-ba9b-6438e7e6cf6c/deliveries").wantError(t, 404, "NotFound")
	f.get(t, fmt.Sprintf("webhooks/%s/deliveries/nope", f.good["id"])).wantError(t, 404, "NotFound")
	f.get(t, fmt.Sprintf("webhooks/%s/deliveries/%s", f.good["id"], d.ID)).wantError(t, 404, "NotFound") // another webhook's attempt

	// A deleted webhook's debugging endpoints keep working.
	f.srv.do(apiRequest{method: http.MethodDelete, path: fmt.Sprintf("/connector/protimeapi/api/v1/webhooks/%s", f.good["id"]), host: "acme.localhost", token: f.token}).wantStatus(t, http.StatusNoContent)
	f.get(t, fmt.Sprintf("webhooks/%s/deliveries", f.good["id"])).wantStatus(t, http.StatusOK)
}

func TestMetrics(t *testing.T) {
	f := newDeliveryFixture(t, "--metrics-interval", "1s")
	f.deliveries(t, f.good, "", 3)
	f.deliveries(t, f.broken, "", 1)
	// The webhook gauge is read in the background, every --metrics-interval.
	var text string
	waitFor(t, 10*time.Second, "the webhook gauge", func() bool {
		_, text = scrapeMetrics(t, f.srv.addr)
		return strings.Contains(text, `shiftwire_webhooks{status="Enabled"} 2`)
	})
	for _, want := range []string{
		`shiftwire_changes_committed_total{collection="break-definitions"} 3`,
		`shiftwire_delivery_attempts_total{outcome="Succeeded"} 3`,
		`shiftwire_delivery_attempts_total{outcome="Failed"}`,
		`shiftwire_delivery_latency_seconds_count 3`,
		`shiftwire_backlog_events{state="retrying"}`,
		`shiftwire_backlog_events{state="pending"}`,
		`shiftwire_backlog_events{state="sending"}`,
		`shiftwire_webhooks{status="Enabled"} 2`,
		`go_goroutines`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestSigningKeyNeverLeaks: after deliveries, failures and debugging reads, the signing keys
// appear in no response but the 201 and in no log line or metric.
func TestSigningKeyNeverLeaks(t *testing.T) {
	f := newDeliveryFixture(t)
	failed := f.deliveries(t, f.broken, "", 1)
	f.deliveries(t, f.good, "", 3)
	var seen strings.Builder
	for _, hook := range []map[string]any{f.good, f.broken} {
		seen.Write(f.get(t, fmt.Sprintf("webhooks/%s", hook["id"])).body)
		seen.Write(f.get(t, fmt.Sprintf("webhooks/%s/deliveries", hook["id"])).body)
	}
	seen.Write(f.get(t, "webhooks").body)
	seen.Write(f.get(t, fmt.Sprintf("webhooks/%s/deliveries/%s", f.broken["id"], failed.Value[0].ID)).body)
	if resp, err := f.srv.http.Get("http://" + f.srv.addr + "/metrics"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		seen.Write(b)
	}
	f.srv.stop()
	seen.WriteString(f.srv.stderr.String())
	for _, hook := range []map[string]any{f.good, f.broken} {
		key := fmt.Sprint(hook["key"])
		for _, form := range []string{key, strings.TrimPrefix(key, "whsec_")} {
			if strings.Contains(seen.String(), form) {
				t.Errorf("the signing key of webhook %s appears outside its 201 response", hook["id"])
			}
		}
	}
	if !strings.Contains(f.srv.stderr.String(), "delivery failed") {
		t.Error("no log line for the failed delivery")
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// opsReceiver is a loopback destination that records what it receives and answers with
// status, which a test may change.
type opsReceiver struct {
	*httptest.Server
	status atomic.Int32
	header http.Header // the answer's extra headers, set before use

	mu        sync.Mutex
	received  []receivedRequest
	inFlight  int
	maxFlight int
}

// maxInFlight returns the most requests the receiver held at once.
func (rc *opsReceiver) maxInFlight() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.maxFlight
}

type receivedRequest struct {
	header http.Header
	body   []byte
}

func newOpsReceiver(t *testing.T, status int) *opsReceiver {
	rc := &opsReceiver{header: http.Header{}}
	rc.status.Store(int32(status))
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.inFlight++
		rc.maxFlight = max(rc.maxFlight, rc.inFlight)
		rc.mu.Unlock()
		// Hold the request a moment, so that two sent at once would overlap here.
		body, _ := io.ReadAll(r.Body)
		time.Sleep(5 * time.Millisecond)
		rc.mu.Lock()
		rc.inFlight--
		rc.received = append(rc.received, receivedRequest{r.Header.Clone(), body})
		rc.mu.Unlock()
		for k, v := range rc.header {
			w.Header()[k] = v
		}
		w.WriteHeader(int(rc.status.Load()))
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *opsReceiver) requests() []receivedRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]receivedRequest(nil), rc.received...)
}

// post sends an operation of SPEC section 14 as f's client.
func (f *deliveryFixture) post(path string) *apiResponse {
	return f.srv.do(apiRequest{method: http.MethodPost, path: "/connector/protimeapi/api/v1/" + path, host: "acme.localhost", token: f.token})
}

type pingAttempt struct {
	ID             string   `json:"id"`
	StatusCode     int      `json:"statusCode"`
	Outcome        string   `json:"outcome"`
	ChangeVersions []string `json:"changeVersions"`
	Attempt        int      `json:"attempt"`
	NextAttemptAt  string   `json:"nextAttemptAt"`
}

func TestPing(t *testing.T) {
	f := newDeliveryFixture(t)
	rc := newOpsReceiver(t, http.StatusOK)
	hook := f.createWebhook(t, rc.URL)
	id := fmt.Sprint(hook["id"])

	resp := f.post("webhooks/" + id + "/ping")
	resp.wantStatus(t, http.StatusOK)
	var a pingAttempt
	json.Unmarshal(resp.body, &a)
	if a.Outcome != "Succeeded" || a.StatusCode != 200 || a.Attempt != 1 || a.ChangeVersions == nil || len(a.ChangeVersions) != 0 || a.NextAttemptAt != "" {
		t.Fatalf("ping answered %s", resp.body)
	}

	got := rc.requests()
	if len(got) != 1 {
		t.Fatalf("the receiver got %d requests, want the ping alone", len(got))
	}
	verifier, err := standardwebhooks.NewWebhook(fmt.Sprint(hook["key"]))
	if err != nil {
		t.Fatal(err)
	}
	if err := verifier.Verify(got[0].body, got[0].header); err != nil {
		t.Fatalf("the ping's signature does not verify: %v", err)
	}
	var ping struct {
		ChangeType string `json:"changeType"`
		Data       struct {
			WebhookID string `json:"webhookId"`
			SentAt    string `json:"sentAt"`
		} `json:"data"`
	}
	if err := json.Unmarshal(got[0].body, &ping); err != nil {
		t.Fatal(err)
	}
	if _, err := time.Parse(time.RFC3339, ping.Data.SentAt); ping.ChangeType != "Ping" || ping.Data.WebhookID != id || err != nil {
		t.Fatalf("the ping is %s", got[0].body)
	}
	if ua := got[0].header.Get("User-Agent"); ua == "" || got[0].header.Get("Content-Type") != "application/json" {
		t.Fatalf("the ping's headers are %v", got[0].header)
	}

	list := f.deliveries(t, hook, "", 1)
	if len(list.Value) != 1 || list.Value[0].ID != a.ID || len(list.Value[0].ChangeVersions) != 0 {
		t.Fatalf("the deliveries list %+v, want the ping's attempt %s", list.Value, a.ID)
	}
	detail := f.get(t, "webhooks/"+id+"/deliveries/"+a.ID)
	detail.wantStatus(t, http.StatusOK)
	var d struct {
		Request struct {
			Headers map[string]string `json:"headers"`
			Body    json.RawMessage   `json:"body"`
		} `json:"request"`
	}
	json.Unmarshal(detail.body, &d)
	if d.Request.Headers["Webhook-Signature"] != got[0].header.Get("Webhook-Signature") || string(d.Request.Body) != string(got[0].body) {
		t.Fatalf("the recorded ping is %s", detail.body)
	}
}

func TestPingFailingLeavesWebhookAlone(t *testing.T) {
	// With --disable-after 1h, a failed ping that counted as the start of a failure would
	// disable the webhook at its next failed event two hours later.
	f := newClockFixture(t, "--disable-after", "1h")
	rc := newOpsReceiver(t, http.StatusInternalServerError)
	id, _ := f.createWebhook(t, rc.URL, "")

	resp := f.call(http.MethodPost, "webhooks/"+id+"/ping", "")
	resp.wantStatus(t, http.StatusOK)
	var a pingAttempt
	unmarshal(t, resp, &a)
	if a.Outcome != "Failed" || a.StatusCode != 500 || a.NextAttemptAt != "" {
		t.Fatalf("a failed ping answered %s", resp.body)
	}
	f.clock.Advance(2 * time.Hour)
	f.write(t, 1, 9)
	waitFor(t, 10*time.Second, "the ping and the event failed", func() bool { return len(f.attempts(t, id, "outcome eq 'Failed'")) == 2 })
	var got struct {
		Status         string `json:"status"`
		DisabledReason string `json:"disabledReason"`
	}
	unmarshal(t, f.call(http.MethodGet, "webhooks/"+id, ""), &got)
	if got.Status != string(shiftwire.WebhookEnabled) {
		t.Fatalf("after a failed ping and one failed event the webhook is %+v, want Enabled", got)
	}
}

func TestPingRefused(t *testing.T) {
	f := newDeliveryFixture(t)
	rc := newOpsReceiver(t, http.StatusOK)
	hook := f.createWebhook(t, rc.URL)
	id := fmt.Sprint(hook["id"])

	// Another tenant's webhook is not found.
	db := f.srv.db
	createTenant(t, db, "globex", "")
	other := addClient(t, db, "globex", shiftwire.ScopeWebhooksWrite, shiftwire.ScopeWebhooksRead, shiftwire.ReadScope(shiftwire.BreakDefinitions))
	for _, op := range []string{"ping", "retry"} {
		f.srv.do(apiRequest{method: http.MethodPost, path: "/connector/protimeapi/api/v1/webhooks/" + id + "/" + op, host: "globex.localhost",
			token: f.srv.token(other)}).wantStatus(t, http.StatusNotFound)
	}
	// Reading webhooks is not enough (401 with insufficient_scope, SPEC section 3).
	reader := addClient(t, db, "acme", shiftwire.ScopeWebhooksRead, shiftwire.ReadScope(shiftwire.BreakDefinitions))
	f.srv.do(apiRequest{method: http.MethodPost, path: "/connector/protimeapi/api/v1/webhooks/" + id + "/ping", host: "acme.localhost",
		token: f.srv.token(reader)}).wantStatus(t, http.StatusUnauthorized)

	// A deleted webhook is not pinged.
	f.srv.do(apiRequest{method: http.MethodDelete, path: "/connector/protimeapi/api/v1/webhooks/" + id, host: "acme.localhost",
		token: f.token}).wantStatus(t, http.StatusNoContent)
	f.post("webhooks/"+id+"/ping").wantStatus(t, http.StatusConflict)
	if n := len(rc.requests()); n != 0 {
		t.Fatalf("the receiver got %d requests", n)
	}
}

func TestRetry(t *testing.T) {
	f := newDeliveryFixture(t)
	// The receiver is down and asks for an hour: without retry the events would wait that
	// long, far beyond this test's bound.
	rc := newOpsReceiver(t, http.StatusServiceUnavailable)
	rc.header.Set("Retry-After", "3600")
	hook := f.createWebhook(t, rc.URL)
	id := fmt.Sprint(hook["id"])
	verifier, err := standardwebhooks.NewWebhook(fmt.Sprint(hook["key"]))
	if err != nil {
		t.Fatal(err)
	}

	writeBreakDefinitions(t, f.srv, f.token, 1, []int64{7, 8})
	failed := f.deliveries(t, hook, "outcome eq 'Failed'", 1)
	if failed.Value[0].NextAttemptAt == "" {
		t.Fatalf("the failed attempt has no next attempt: %+v", failed.Value[0])
	}
	// The destination is down: its other event is held too, and nothing more is tried.
	time.Sleep(300 * time.Millisecond)
	if n := len(rc.requests()); n != 1 {
		t.Fatalf("the receiver got %d requests while down, want 1", n)
	}

	rc.status.Store(http.StatusOK)
	resp := f.post("webhooks/" + id + "/retry")
	resp.wantStatus(t, http.StatusAccepted)
	var got struct {
		Retried int `json:"retried"`
	}
	json.Unmarshal(resp.body, &got)
	if got.Retried != 2 {
		t.Fatalf("retry answered %s, want both events made due", resp.body)
	}
	waitFor(t, 5*time.Second, "both events after retry", func() bool {
		ok := map[string]bool{}
		for _, r := range rc.requests()[1:] {
			var ev struct {
				Data struct {
					ID int64 `json:"id"`
				} `json:"data"`
			}
			json.Unmarshal(r.body, &ev)
			if verifier.Verify(r.body, r.header) == nil {
				ok[fmt.Sprint(ev.Data.ID)] = true
			}
		}
		return ok["7"] && ok["8"]
	})
	f.deliveries(t, hook, "outcome eq 'Succeeded'", 2)

	// Nothing waits any more.
	resp = f.post("webhooks/" + id + "/retry")
	resp.wantStatus(t, http.StatusAccepted)
	if string(resp.body) != `{"retried":0}` && string(resp.body) != "{\"retried\":0}\n" {
		t.Fatalf("a second retry answered %s", resp.body)
	}
}

package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/auth"
)

// addClient adds a client of tenant acme with the scopes of erp and returns its secret.
func (a *tokenAPI) addClient(id string) string {
	a.t.Helper()
	ctx := context.Background()
	tn, err := a.store.TenantByName(ctx, "acme")
	if err != nil {
		a.t.Fatal(err)
	}
	secret, err := auth.NewClientSecret()
	if err != nil {
		a.t.Fatal(err)
	}
	hash, err := auth.HashSecret(secret)
	if err != nil {
		a.t.Fatal(err)
	}
	if err := a.store.CreateClient(ctx, &shiftwire.Client{ID: id, TenantID: tn.ID, SecretHash: hash, Scopes: []string{shiftwire.ScopeWebhooksRead}}); err != nil {
		a.t.Fatal(err)
	}
	return secret
}

// accessToken fetches a token of clientID, failing the test unless it gets one.
func (a *tokenAPI) accessToken(clientID, secret string) string {
	a.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}
	resp, err := a.srv.Client().PostForm(a.srv.URL+"/tenants/acme/connect/token", form)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&tok) != nil {
		a.t.Fatalf("token of %s: status %d", clientID, resp.StatusCode)
	}
	return tok.AccessToken
}

// get sends GET path with token and returns the response with its body read.
func (a *tokenAPI) get(path, token string) (*http.Response, []byte) {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("User-Agent", "ratelimit-test/1")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp, b
}

// wantTooManyBody checks a 429 with a Retry-After of retry seconds and Protime's error body.
func wantTooManyBody(t *testing.T, resp *http.Response, body []byte, retry string) {
	t.Helper()
	var e errorBody
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != retry ||
		json.Unmarshal(body, &e) != nil || e.Error.Code != "TooManyRequests" || e.Error.Message == "" {
		t.Fatalf("status %d, Retry-After %q, body %s; want 429 with Retry-After %s and a TooManyRequests error", resp.StatusCode, resp.Header.Get("Retry-After"), body, retry)
	}
}

// Each client has its own bucket: one over its limit gets 429 with Retry-After, another
// client of the same tenant goes on; the bucket refills with time.
func TestRateLimitPerClient(t *testing.T) {
	a := newTokenAPIConfig(t, Config{RateLimit: 0.5, RateBurst: 3}, Deps{})
	erp := a.accessToken("erp", a.secret)
	payroll := a.accessToken("payroll", a.addClient("payroll"))

	for i := range 3 {
		if resp, body := a.get(webhooksPath, erp); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d of the burst: %d %s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := a.get(webhooksPath, erp)
	wantTooManyBody(t, resp, body, "2") // one request every 2 s
	if resp, body := a.get(webhooksPath, payroll); resp.StatusCode != http.StatusOK {
		t.Fatalf("another client of the tenant: %d %s, want 200", resp.StatusCode, body)
	}

	a.clock.Advance(1500 * time.Millisecond)
	resp, body = a.get(webhooksPath, erp)
	wantTooManyBody(t, resp, body, "1") // half a second, rounded up
	a.clock.Advance(500 * time.Millisecond)
	if resp, body := a.get(webhooksPath, erp); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the bucket refilled: %d %s, want 200", resp.StatusCode, body)
	}
	resp, body = a.get(webhooksPath, erp)
	wantTooManyBody(t, resp, body, "2")

	// The health checks are not API requests.
	if resp, body := a.get("/healthz", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz of a limited client's server: %d %s", resp.StatusCode, body)
	}
	// Nor is a request without a valid token: it is refused for that, not counted.
	if resp, _ := a.get(webhooksPath, "not-a-token"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a bad token: %d, want 401", resp.StatusCode)
	}
}

// Retry-After is in whole seconds and at least 1, even when the bucket refills sooner.
func TestRateLimitRetryAfterWholeSeconds(t *testing.T) {
	a := newTokenAPIConfig(t, Config{RateLimit: 50, RateBurst: 2}, Deps{})
	erp := a.accessToken("erp", a.secret)
	a.get(webhooksPath, erp)
	a.get(webhooksPath, erp)
	resp, body := a.get(webhooksPath, erp)
	wantTooManyBody(t, resp, body, "1")
}

// RateLimit 0 turns the limit off.
func TestRateLimitOff(t *testing.T) {
	a := newTokenAPIConfig(t, Config{RateLimit: 0, RateBurst: 1}, Deps{})
	erp := a.accessToken("erp", a.secret)
	for i := range 200 {
		if resp, body := a.get(webhooksPath, erp); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d %s, want 200 without a limit", i+1, resp.StatusCode, body)
		}
	}
}

// Successful token requests are limited per client, with the token endpoint's 429: Retry-After
// and Protime's error body. Another client is unaffected, and the limit refills.
func TestTokenRateLimit(t *testing.T) {
	a := newTokenAPIConfig(t, Config{TokenRateLimit: 3}, Deps{})
	payrollSecret := a.addClient("payroll")
	for range 3 {
		a.accessToken("erp", a.secret)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"erp"}, "client_secret": {a.secret}}
	resp, err := a.srv.Client().PostForm(a.srv.URL+"/tenants/acme/connect/token", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantTooManyBody(t, resp, body, "20") // 3 a minute: one every 20 s
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", resp.Header.Get("Cache-Control"))
	}
	a.accessToken("payroll", payrollSecret)

	// A wrong secret is still a failure, not a 429 that would tell the limit of the client.
	if resp := a.post("erp", "guess"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a wrong secret of a limited client: %d, want 401", resp.StatusCode)
	}
	a.clock.Advance(20 * time.Second)
	a.accessToken("erp", a.secret)
	wantTooMany(t, a.post("erp", a.secret), "20")
}

// Zero limits, the zero Config, are off.
func TestRateLimitsOffByDefault(t *testing.T) {
	s := New(Config{}, Deps{})
	if s.requests != nil || s.tokens != nil {
		t.Fatal("a zero Config limits requests")
	}
}

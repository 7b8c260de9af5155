package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// apiPrefix starts every connector API path.
const apiPrefix = "/connector/protimeapi/api/v1"

// maxAPIResponse bounds what the client commands read of one answer.
const maxAPIResponse = 16 << 20

// apiClient calls a Shiftwire server's connector API as one client, with a token it fetches
// and renews itself. It waits out 429 answers for as long as its context allows.
type apiClient struct {
	cfg   clientConfig
	base  *url.URL
	host  string // the Host header that names the tenant
	http  *http.Client
	agent string

	mu      sync.Mutex
	token   string
	renewAt time.Time
}

// newAPIClient returns a client for cfg, which validate has checked.
func newAPIClient(cfg clientConfig) *apiClient {
	base, _ := url.Parse(strings.TrimSuffix(cfg.Server, "/"))
	return &apiClient{
		cfg:   cfg,
		base:  base,
		host:  tenantHost(base, cfg.Tenant),
		http:  &http.Client{Timeout: 30 * time.Second},
		agent: "shiftwire-cli/" + version,
	}
}

// serverError is an answer with an unexpected status; its text carries the server's error body.
type serverError struct {
	Status int
	Body   string
}

func (e *serverError) Error() string {
	body := strings.TrimSpace(e.Body)
	if len(body) > 2000 {
		body = body[:2000] + "..."
	}
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), body)
}

// fetchToken gets a new access token with the client credentials grant.
func (c *apiClient) fetchToken(ctx context.Context) error {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.cfg.ClientID}, "client_secret": {string(c.cfg.ClientSecret.Reveal())}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base.String()+"/tenants/"+url.PathEscape(c.cfg.Tenant)+"/connect/token", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", c.agent)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach %s (is shiftwire serve running there? --server sets another): %w", c.base, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxAPIResponse))
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("token for client %q of tenant %q: %w", c.cfg.ClientID, c.cfg.Tenant, &serverError{resp.StatusCode, string(body)})
		if c.cfg.usesDemoClient() {
			err = fmt.Errorf("%w; the demo client exists only on a server started with --dev: give --client-id and --client-secret", err)
		}
		return err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return fmt.Errorf("the token endpoint answered something else than a token: %.200s", body)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.token = tok.AccessToken
	// Renew well before expiry, so that no request carries a token about to expire.
	c.renewAt = time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second * 3 / 4)
	return nil
}

// currentToken returns a token that is not about to expire, fetching one when needed.
func (c *apiClient) currentToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	tok, renewAt := c.token, c.renewAt
	c.mu.Unlock()
	if tok != "" && time.Now().Before(renewAt) {
		return tok, nil
	}
	if err := c.fetchToken(ctx); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token, nil
}

// do sends one API request and returns the answer's status and body. A 429 is retried after
// its Retry-After, and a 401 for an invalid token once with a new token.
func (c *apiClient) do(ctx context.Context, method, path, contentType string, body []byte) (int, []byte, error) {
	renewed := false
	for {
		tok, err := c.currentToken(ctx)
		if err != nil {
			return 0, nil, err
		}
		req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, bytes.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Host = c.host
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("User-Agent", c.agent)
		if body != nil {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return 0, nil, err
		}
		answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIResponse))
		resp.Body.Close()
		if err != nil {
			return 0, nil, err
		}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			wait := time.Second
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
				wait = time.Duration(s) * time.Second
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return 0, nil, ctx.Err()
			case <-t.C:
			}
			continue
		case resp.StatusCode == http.StatusUnauthorized && !renewed && strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token"):
			renewed = true
			c.mu.Lock()
			c.token = ""
			c.mu.Unlock()
			continue
		}
		return resp.StatusCode, answer, nil
	}
}

// call sends in as JSON (none when nil), checks that the answer has status want, and
// decodes it into out when out is not nil.
func (c *apiClient) call(ctx context.Context, method, path string, in any, want int, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	status, answer, err := c.do(ctx, method, path, "application/json", body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if status != want {
		return fmt.Errorf("%s %s: %w", method, path, &serverError{status, string(answer)})
	}
	if out != nil {
		if err := json.Unmarshal(answer, out); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
		}
	}
	return nil
}

// list reads every page of a list at path, calling each on every item.
func (c *apiClient) list(ctx context.Context, path string, each func(json.RawMessage) error) error {
	for path != "" {
		var page struct {
			Value    []json.RawMessage `json:"value"`
			NextLink string            `json:"nextLink"`
		}
		if err := c.call(ctx, http.MethodGet, path, nil, http.StatusOK, &page); err != nil {
			return err
		}
		for _, v := range page.Value {
			if err := each(v); err != nil {
				return err
			}
		}
		path = page.NextLink
	}
	return nil
}

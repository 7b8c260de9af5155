package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
)

// apiBase is the connector API's base path.
const apiBase = "/connector/protimeapi/api/v1/"

// apiResponse is what the API answered to one in-process call.
type apiResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// call sends one request to the API's handler in process, as a client of tenant with token
// ("" for none), from the browser request r's address so that the API's per-address limits
// see the real client. The API is addressed by the tenant's host name, as any client reaches
// it.
func (c *Console) call(r *http.Request, tenant, token, method, path string, body io.Reader, contentType string) (*apiResponse, error) {
	host := c.cfg.BaseDomain
	if host != "" {
		host = tenant + "." + host
	} else {
		host = "localhost" // no base domain: every host is the default tenant
	}
	ctx := r.Context()
	if method != http.MethodGet {
		// An action the API has started runs to its end even if the browser goes away, so
		// that it is done whole or not at all, as for any client that hangs up.
		ctx = context.WithoutCancel(ctx)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+host+path, body)
	if err != nil {
		return nil, fmt.Errorf("console: building %s %s: %w", method, path, err)
	}
	req.RequestURI = path
	req.RemoteAddr = r.RemoteAddr
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	c.api.ServeHTTP(rec, req)
	return &apiResponse{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}, nil
}

// apiCall is call for the session's client, decoding a 2xx JSON answer into out (when not
// nil) and turning any other answer into the page error that explains it.
func (c *Console) apiCall(r *http.Request, s *session, method, path string, out any) error {
	resp, err := c.call(r, s.Tenant, s.Token, method, path, nil, "")
	if err != nil {
		return err
	}
	if resp.Status/100 != 2 {
		return apiError(resp)
	}
	if out != nil && len(resp.Body) > 0 {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return fmt.Errorf("console: decoding %s %s: %w", method, path, err)
		}
	}
	return nil
}

// apiProblem is the API's error body (SPEC section 4), either form.
type apiProblem struct {
	Error struct {
		Code      string   `json:"code"`
		Message   string   `json:"message"`
		Reasons   []string `json:"reasons"`
		RequestID string   `json:"requestId"`
	} `json:"error"`
	ValidationErrors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"validationErrors"`
}

// apiError turns an API error answer into a pageError carrying its status and message.
func apiError(resp *apiResponse) *pageError {
	var p apiProblem
	_ = json.Unmarshal(resp.Body, &p)
	msg := p.Error.Message
	if len(p.Error.Reasons) > 0 {
		msg += ": " + strings.Join(p.Error.Reasons, "; ")
	}
	for _, v := range p.ValidationErrors {
		msg += v.Field + ": " + v.Message + ". "
	}
	e := &pageError{Status: resp.Status, Message: strings.TrimSpace(msg), RequestID: resp.Header.Get("X-Request-Id")}
	switch {
	case resp.Status == http.StatusUnauthorized && strings.Contains(resp.Header.Get("WWW-Authenticate"), "insufficient_scope"):
		e.Status = http.StatusForbidden
		e.Message = "This client may not do that: it lacks a scope. " + e.Message
	case resp.Status == http.StatusUnauthorized:
		e.SignIn = true // the token expired or is no longer accepted
	case resp.Status == http.StatusTooManyRequests:
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			e.Message = fmt.Sprintf("%s (retry in %d s)", e.Message, s)
		}
	case resp.Status >= 500:
		e.Message = "The API failed to answer."
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.Status)
	}
	return e
}

// webhookPath is the API path of a webhook, or of something under it.
func webhookPath(id string, more ...string) string {
	p := apiBase + "webhooks/" + url.PathEscape(id)
	for _, m := range more {
		p += "/" + url.PathEscape(m)
	}
	return p
}

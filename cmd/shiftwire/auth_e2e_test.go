package main

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/auth"
	"github.com/shiftwire/shiftwire/internal/masterkey"
)

const webhooksPath = "/connector/protimeapi/api/v1/webhooks"

// tokenForm is the form of a client credentials request for c.
func tokenForm(c testClient) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}}
}

// oauthError is the RFC 6749 error body of the token endpoint.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// wantOAuthError checks a token endpoint error in the RFC 6749 form.
func (r *apiResponse) wantOAuthError(t *testing.T, status int, code string) {
	t.Helper()
	r.wantStatus(t, status)
	var e oauthError
	r.decode(t, &e)
	if e.Error != code || e.Description == "" {
		t.Fatalf("token error %s, want error %q with a description", r.body, code)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
}

func TestTokenEndpoint(t *testing.T) {
	f := newFixture(t)
	tokenPath := "/tenants/acme/connect/token"
	all := shiftwire.AllScopes()

	t.Run("good credentials", func(t *testing.T) {
		resp := f.postForm(tokenPath, tokenForm(f.acme), nil)
		resp.wantStatus(t, http.StatusOK)
		var tok tokenResponse
		resp.decode(t, &tok)
		if tok.ExpiresIn != 1800 || tok.TokenType != "Bearer" || tok.AccessToken == "" {
			t.Errorf("token response %+v, want expires_in 1800 and token_type Bearer", tok)
		}
		if tok.Scope != strings.Join(all, " ") {
			t.Errorf("scope %q, want every scope of the client", tok.Scope)
		}
		if cc := resp.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", cc)
		}
	})

	t.Run("requested scopes", func(t *testing.T) {
		form := tokenForm(f.acme)
		form.Set("scope", shiftwire.ScopeWebhooksWrite+" "+shiftwire.ScopeWebhooksRead+" "+shiftwire.ScopeWebhooksRead)
		resp := f.postForm(tokenPath, form, nil)
		resp.wantStatus(t, http.StatusOK)
		var tok tokenResponse
		resp.decode(t, &tok)
		if want := shiftwire.ScopeWebhooksRead + " " + shiftwire.ScopeWebhooksWrite; tok.Scope != want {
			t.Errorf("scope %q, want %q", tok.Scope, want)
		}
	})

	t.Run("HTTP Basic client authentication", func(t *testing.T) {
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(f.acme.ClientID+":"+f.acme.ClientSecret))
		resp := f.postForm(tokenPath, url.Values{"grant_type": {"client_credentials"}}, http.Header{"Authorization": {basic}})
		resp.wantStatus(t, http.StatusOK)

		wrong := "Basic " + base64.StdEncoding.EncodeToString([]byte(f.acme.ClientID+":wrong"))
		resp = f.postForm(tokenPath, url.Values{"grant_type": {"client_credentials"}}, http.Header{"Authorization": {wrong}})
		resp.wantOAuthError(t, http.StatusUnauthorized, "invalid_client")
		if got := resp.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Basic") {
			t.Errorf("WWW-Authenticate %q after a failed Basic authentication, want a Basic challenge", got)
		}
	})

	t.Run("errors", func(t *testing.T) {
		form := func(change func(url.Values)) url.Values {
			v := tokenForm(f.acme)
			change(v)
			return v
		}
		tests := []struct {
			name   string
			form   url.Values
			status int
			code   string
		}{
			{"wrong secret", form(func(v url.Values) { v.Set("client_secret", "wrong") }), 401, "invalid_client"},
			{"unknown client", form(func(v url.Values) { v.Set("client_id", "nobody") }), 401, "invalid_client"},
			{"client of another tenant", tokenForm(f.nyc), 401, "invalid_client"},
			{"wrong grant type", form(func(v url.Values) { v.Set("grant_type", "password") }), 400, "unsupported_grant_type"},
			{"no grant type", form(func(v url.Values) { v.Del("grant_type") }), 400, "unsupported_grant_type"},
			{"no secret", form(func(v url.Values) { v.Del("client_secret") }), 400, "invalid_request"},
			{"no client", form(func(v url.Values) { v.Del("client_id") }), 400, "invalid_request"},
			{"unknown scope", form(func(v url.Values) { v.Set("scope", "connector-protimeapi-nothing.read") }), 400, "invalid_scope"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f.postForm(tokenPath, tt.form, nil).wantOAuthError(t, tt.status, tt.code)
			})
		}
	})

	t.Run("a scope the client lacks", func(t *testing.T) {
		form := tokenForm(f.narrow)
		form.Set("scope", shiftwire.ScopeWebhooksRead+" "+shiftwire.ScopeWebhooksWrite)
		f.postForm(tokenPath, form, nil).wantOAuthError(t, http.StatusBadRequest, "invalid_scope")
		// Without a scope parameter the client gets exactly what it holds.
		form.Del("scope")
		resp := f.postForm(tokenPath, form, nil)
		resp.wantStatus(t, http.StatusOK)
		var tok tokenResponse
		resp.decode(t, &tok)
		if tok.Scope != shiftwire.ScopeWebhooksRead {
			t.Errorf("scope %q, want only %s", tok.Scope, shiftwire.ScopeWebhooksRead)
		}
	})

	t.Run("unknown tenant", func(t *testing.T) {
		f.postForm("/tenants/nobody/connect/token", tokenForm(f.acme), nil).wantError(t, http.StatusNotFound, "NotFound")
		f.do(apiRequest{method: http.MethodGet, path: "/tenants/nobody/.well-known/openid-configuration"}).wantError(t, http.StatusNotFound, "NotFound")
	})

	t.Run("wrong method", func(t *testing.T) {
		resp := f.do(apiRequest{method: http.MethodGet, path: tokenPath, unrouted: true})
		resp.wantError(t, http.StatusMethodNotAllowed, "MethodNotAllowed")
		if allow := resp.header.Get("Allow"); !strings.Contains(allow, "POST") {
			t.Errorf("Allow %q, want POST", allow)
		}
	})

	t.Run("rate limit after repeated failures", func(t *testing.T) {
		wrong := tokenForm(f.spare)
		wrong.Set("client_secret", "wrong")
		for i := range auth.DefaultMaxFailures {
			resp := f.postForm(tokenPath, wrong, nil)
			if resp.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: status %d, want 401", i+1, resp.status)
			}
		}
		resp := f.postForm(tokenPath, wrong, nil)
		resp.wantError(t, http.StatusTooManyRequests, "TooManyRequests")
		retry, err := strconv.Atoi(resp.header.Get("Retry-After"))
		if err != nil || retry < 1 || retry > int(auth.DefaultFailureWindow/time.Second) {
			t.Errorf("Retry-After %q, want 1 to 60 seconds", resp.header.Get("Retry-After"))
		}
		// Locked out: even the right secret waits, or guessing could go on.
		f.postForm(tokenPath, tokenForm(f.spare), nil).wantStatus(t, http.StatusTooManyRequests)
		// Other clients from the same address are not affected.
		f.postForm(tokenPath, tokenForm(f.acme), nil).wantStatus(t, http.StatusOK)
	})

	t.Run("discovery and JWKS", func(t *testing.T) {
		resp := f.do(apiRequest{method: http.MethodGet, path: "/tenants/acme/.well-known/openid-configuration"})
		resp.wantStatus(t, http.StatusOK)
		var doc struct {
			Issuer          string   `json:"issuer"`
			JWKSURI         string   `json:"jwks_uri"`
			TokenEndpoint   string   `json:"token_endpoint"`
			GrantTypes      []string `json:"grant_types_supported"`
			ScopesSupported []string `json:"scopes_supported"`
		}
		if err := json.Unmarshal(resp.body, &doc); err != nil {
			t.Fatal(err)
		}
		base := "http://" + f.addr + "/tenants/acme"
		if doc.Issuer != base || doc.TokenEndpoint != base+"/connect/token" || !strings.HasPrefix(doc.JWKSURI, base+"/") {
			t.Errorf("discovery issuer %q, token_endpoint %q, jwks_uri %q; want them under %s", doc.Issuer, doc.TokenEndpoint, doc.JWKSURI, base)
		}
		if !slices.Equal(doc.GrantTypes, []string{"client_credentials"}) || !slices.Equal(doc.ScopesSupported, all) {
			t.Errorf("grant types %q, scopes %q", doc.GrantTypes, doc.ScopesSupported)
		}

		u, err := url.Parse(doc.JWKSURI)
		if err != nil {
			t.Fatal(err)
		}
		resp = f.do(apiRequest{method: http.MethodGet, path: u.Path})
		resp.wantStatus(t, http.StatusOK)
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(resp.body, &set); err != nil {
			t.Fatal(err)
		}
		if len(set.Keys) != 1 || !set.Keys[0].IsPublic() || set.Keys[0].Algorithm != string(jose.EdDSA) || set.Keys[0].Use != "sig" {
			t.Fatalf("JWKS %s, want one public EdDSA signing key", resp.body)
		}

		// A token verifies with the published key and says who it is for.
		raw := f.token(f.acme)
		tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.EdDSA})
		if err != nil {
			t.Fatal(err)
		}
		if kid := tok.Headers[0].KeyID; kid != set.Keys[0].KeyID {
			t.Errorf("token kid %q, JWKS kid %q", kid, set.Keys[0].KeyID)
		}
		var std jwt.Claims
		var own struct {
			Tenant   string `json:"tenant"`
			ClientID string `json:"client_id"`
			Scope    string `json:"scope"`
		}
		if err := tok.Claims(set.Keys[0].Key, &std, &own); err != nil {
			t.Fatalf("the token does not verify with the JWKS key: %v", err)
		}
		if std.Issuer != doc.Issuer || std.Subject != f.acme.ClientID || own.Tenant != "acme" || own.ClientID != f.acme.ClientID || own.Scope != strings.Join(all, " ") {
			t.Errorf("claims %+v %+v", std, own)
		}
		if std.Expiry == nil || std.IssuedAt == nil || std.Expiry.Time().Sub(std.IssuedAt.Time()) != 1800*time.Second {
			t.Errorf("token lifetime: iat %v, exp %v; want 1800s", std.IssuedAt, std.Expiry)
		}
		if err := std.ValidateWithLeeway(jwt.Expected{Time: time.Now()}, time.Minute); err != nil {
			t.Errorf("the token is not valid now: %v", err)
		}
	})
}

// expiredToken returns a token for c signed with the server's own key that expired an hour
// ago. The key derives from the master key serve generated next to the database.
func expiredToken(t *testing.T, s *testServer, c testClient) string {
	t.Helper()
	master, err := masterkey.LoadOrCreate(s.db + ".key")
	if err != nil {
		t.Fatal(err)
	}
	past := func() time.Time { return time.Now().Add(-time.Hour - auth.TokenLifetime) }
	tok, _, err := auth.NewIssuer(masterkey.TokenSigningKey(master), past).Issue("http://"+s.addr+"/tenants/"+c.Tenant, c.Tenant, c.ClientID, c.Scopes)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestBearerTokens(t *testing.T) {
	f := newFixture(t)
	good := f.token(f.acme)
	body := `{"destinationUrl":"https://example.com/hook","collectionName":"clockings"}`
	list := func(token string) *apiResponse {
		return f.do(apiRequest{method: http.MethodGet, path: webhooksPath, host: acmeHost, token: token})
	}
	create := func(token, body string) *apiResponse {
		return f.do(apiRequest{method: http.MethodPost, path: webhooksPath, host: acmeHost, token: token, body: body})
	}

	t.Run("good token", func(t *testing.T) {
		list(good).wantStatus(t, http.StatusOK)
	})

	t.Run("no token", func(t *testing.T) {
		list("").wantChallenge(t, "Bearer")
		create("", body).wantChallenge(t, "Bearer")
	})

	t.Run("another scheme", func(t *testing.T) {
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(f.acme.ClientID+":"+f.acme.ClientSecret))
		resp := f.do(apiRequest{method: http.MethodGet, path: webhooksPath, host: acmeHost, header: http.Header{"Authorization": {basic}}})
		resp.wantChallenge(t, "Bearer")
	})

	invalid := `Bearer error="invalid_token"`
	signature := good[strings.LastIndexByte(good, '.')+1:]
	tampered := good[:strings.LastIndexByte(good, '.')+1] + strings.Repeat("A", len(signature))
	payload := strings.Split(good, ".")[1]
	otherPayload := strings.Split(f.token(f.nyc), ".")[1]
	tests := []struct {
		name, token string
	}{
		{"garbage", "garbage"},
		{"three garbage parts", "a.b.c"},
		{"tampered signature", tampered},
		{"payload of another token", strings.Replace(good, payload, otherPayload, 1)},
		{"expired", expiredToken(t, f.testServer, f.acme)},
		{"token of another tenant", f.token(f.nyc)},
		{"far too long", strings.Repeat("x", 20000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list(tt.token).wantChallenge(t, invalid)
			create(tt.token, body).wantChallenge(t, invalid)
		})
	}
	t.Run("expired says so", func(t *testing.T) {
		resp := list(expiredToken(t, f.testServer, f.acme))
		if !strings.Contains(resp.header.Get("WWW-Authenticate"), "expired") {
			t.Errorf("WWW-Authenticate %q does not say the token expired", resp.header.Get("WWW-Authenticate"))
		}
	})
	t.Run("token of acme on nyc and back", func(t *testing.T) {
		f.do(apiRequest{method: http.MethodGet, path: webhooksPath, host: nycHost, token: good}).wantChallenge(t, invalid)
		f.do(apiRequest{method: http.MethodGet, path: webhooksPath, host: nycHost, token: f.token(f.nyc)}).wantStatus(t, http.StatusOK)
	})

	readOnly := f.scopedToken(f.acme, shiftwire.ScopeWebhooksRead, shiftwire.ReadScope(shiftwire.Clockings))
	writeOnly := f.scopedToken(f.acme, shiftwire.ScopeWebhooksWrite, shiftwire.ReadScope(shiftwire.Clockings))
	noClockings := f.scopedToken(f.acme, shiftwire.ScopeWebhooksRead, shiftwire.ScopeWebhooksWrite, shiftwire.ReadScope(shiftwire.Contracts))
	insufficient := func(scope string) string {
		return `Bearer error="insufficient_scope", scope="` + scope + `"`
	}

	t.Run("without webhooks.write", func(t *testing.T) {
		resp := create(readOnly, body)
		resp.wantChallenge(t, insufficient("connector-protimeapi-webhooks.write"))
		resp.wantError(t, http.StatusUnauthorized, "Unauthorized", "connector-protimeapi-webhooks.write")
		hook := f.createWebhook(f.acme, "", body)
		f.do(apiRequest{method: http.MethodDelete, path: webhooksPath + "/" + hook.ID, host: acmeHost, token: readOnly}).
			wantChallenge(t, insufficient("connector-protimeapi-webhooks.write"))
		if got := f.getWebhook(f.acme, hook.ID); got.Status != "Enabled" {
			t.Errorf("a refused delete left the webhook %s", got.Status)
		}
	})

	t.Run("without webhooks.read", func(t *testing.T) {
		list(writeOnly).wantChallenge(t, insufficient("connector-protimeapi-webhooks.read"))
		hook := f.createWebhook(f.acme, "", body)
		f.do(apiRequest{method: http.MethodGet, path: webhooksPath + "/" + hook.ID, host: acmeHost, token: writeOnly}).
			wantChallenge(t, insufficient("connector-protimeapi-webhooks.read"))
	})

	t.Run("without the collection's read scope", func(t *testing.T) {
		before := f.listIDs(f.acme, "")
		create(noClockings, body).wantChallenge(t, insufficient("connector-protimeapi-clockings.read"))
		create(noClockings, `{"destinationUrl":"https://example.com/hook","collectionName":"contracts"}`).wantStatus(t, http.StatusCreated)
		// Deleting needs the collection's read scope too.
		hook := f.createWebhook(f.acme, "", body)
		f.do(apiRequest{method: http.MethodDelete, path: webhooksPath + "/" + hook.ID, host: acmeHost, token: noClockings}).
			wantChallenge(t, insufficient("connector-protimeapi-clockings.read"))
		if got := f.getWebhook(f.acme, hook.ID); got.Status != "Enabled" {
			t.Errorf("a refused delete left the webhook %s", got.Status)
		}
		if after := f.listIDs(f.acme, ""); len(after) != len(before)+2 {
			t.Errorf("%d webhooks before, %d after; want exactly the two created", len(before), len(after))
		}
	})

	t.Run("order of checks", func(t *testing.T) {
		// Tenant first: an unknown tenant is 404 whatever else is wrong.
		f.do(apiRequest{method: http.MethodPost, path: webhooksPath, host: "nobody.localhost", noAgent: true, body: "{"}).
			wantError(t, http.StatusNotFound, "NotFound")
		// Then the User-Agent, before the token.
		f.do(apiRequest{method: http.MethodPost, path: webhooksPath, host: acmeHost, noAgent: true, body: "{"}).
			wantError(t, http.StatusBadRequest, "BadRequest", "User-Agent")
		// Then the token, before the body.
		create("", "{").wantChallenge(t, "Bearer")
		create("garbage", "{").wantChallenge(t, invalid)
		// The route's own scope is part of checking the token.
		create(readOnly, `{"destinationUrl":"https://example.com/hook","collectionName":"nothing"}`).
			wantChallenge(t, insufficient("connector-protimeapi-webhooks.write"))
		// Then the body, before the scopes that depend on it: an unknown collection is 400
		// even for a token without that collection's scope.
		create(noClockings, `{"destinationUrl":"https://example.com/hook","collectionName":"nothing"}`).
			wantError(t, http.StatusBadRequest, "BadRequest", "unknown collection name")
		create(noClockings, `{"destinationUrl":"https://example.com/hook","collectionName":"clockings","x":1}`).
			wantValidation(t, "x")
		create(noClockings, `{"destinationUrl":"ftp://example.com/hook","collectionName":"clockings"}`).
			wantError(t, http.StatusBadRequest, "BadRequest", "invalid destination URL")
	})
}

// A client_id of 60,000 characters is refused as invalid_client, and neither it nor any other
// value the client chose makes a long log line.
func TestTokenClientSentValuesInLogs(t *testing.T) {
	f := newFixture(t)
	form := tokenForm(f.acme)
	form.Set("client_id", strings.Repeat("c", 60000))
	form.Set("scope", strings.Repeat("s", 3000))
	f.postForm("/tenants/acme/connect/token", form, nil).wantOAuthError(t, http.StatusUnauthorized, "invalid_client")
	form = tokenForm(f.acme)
	form.Set("client_id", "forged\n{\"level\":\"ERROR\"}")
	f.postForm("/tenants/acme/connect/token", form, nil).wantOAuthError(t, http.StatusUnauthorized, "invalid_client")
	f.do(apiRequest{method: http.MethodGet, path: "/tenants/" + strings.Repeat("t", 4000) + "/connect/token", unrouted: true})

	f.stop()
	lines := 0
	for line := range strings.Lines(f.stderr.String()) {
		lines++
		if len(line) > 2048 {
			t.Errorf("a log line of %d bytes: %.300s...", len(line), line)
		}
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Errorf("log line %.300q is not one JSON object: %v", line, err)
		}
	}
	if lines < 3 {
		t.Errorf("%d log lines, want at least the three requests:\n%s", lines, f.stderr)
	}
}

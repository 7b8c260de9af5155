package main

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// consoleBrowser is a browser's view of the console for HTTP-level tests. It keeps the
// cookies the console sets itself, Secure ones included (the test server speaks plain HTTP on
// loopback), and follows no redirect, so that every answer can be checked.
type consoleBrowser struct {
	t       *testing.T
	base    string
	client  *http.Client
	cookies map[string]*http.Cookie
}

// consolePage is one answer of the console, read in full.
type consolePage struct {
	status  int
	header  http.Header
	body    string
	cookies []*http.Cookie // the cookies it set
}

func newConsoleBrowser(t *testing.T, s *testServer) *consoleBrowser {
	return &consoleBrowser{
		t:    t,
		base: "http://" + s.addr,
		client: &http.Client{
			Timeout:       20 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		cookies: map[string]*http.Cookie{},
	}
}

// request sends method to path, with form as the body when it is not nil, and keeps the
// cookies of the answer.
func (b *consoleBrowser) request(method, path string, form url.Values, header http.Header) *consolePage {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	p := &consolePage{status: resp.StatusCode, header: resp.Header, body: string(raw), cookies: resp.Cookies()}
	for _, c := range p.cookies {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return p
}

func (b *consoleBrowser) get(path string) *consolePage {
	b.t.Helper()
	return b.request(http.MethodGet, path, nil, nil)
}

func (b *consoleBrowser) post(path string, form url.Values) *consolePage {
	b.t.Helper()
	return b.request(http.MethodPost, path, form, nil)
}

// wantStatus fails the test unless the page has status.
func (p *consolePage) wantStatus(t *testing.T, status int) *consolePage {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d; body:\n%s", p.status, status, p.body)
	}
	return p
}

// wantRedirect fails the test unless the page sends the browser to path.
func (p *consolePage) wantRedirect(t *testing.T, path string) {
	t.Helper()
	if p.status != http.StatusSeeOther || p.header.Get("Location") != path {
		t.Fatalf("status %d to %q, want 303 to %q; body:\n%s", p.status, p.header.Get("Location"), path, p.body)
	}
}

// cookie returns the cookie called name that the page set, nil if none.
func (p *consolePage) cookie(name string) *http.Cookie {
	for _, c := range p.cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the page's forms.
func (p *consolePage) csrf(t *testing.T) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%s", p.body)
	}
	return html.UnescapeString(m[1])
}

// signIn signs in as c and fails the test unless the console lands on the webhooks.
func (b *consoleBrowser) signIn(c testClient) *consolePage {
	b.t.Helper()
	form := b.get("/console/signin").wantStatus(b.t, http.StatusOK)
	b.post("/console/signin", url.Values{"csrf": {form.csrf(b.t)}, "tenant": {c.Tenant}, "client_id": {c.ClientID},
		"client_secret": {c.ClientSecret}}).wantRedirect(b.t, "/console/webhooks")
	return b.get("/console/webhooks").wantStatus(b.t, http.StatusOK)
}

// hostileBody is what the console fixture's destination answers: HTML and script that the
// console must show as text.
const hostileBody = `<b id="injected">bold</b><script>alert("from the destination")</script>`

// hostileQuery ends the destination URL of the fixture's webhook: HTML and script again.
const hostileQuery = `?q="><script>alert("url")</script>`

// consoleFixture is a server with two tenants, each with a break-definitions webhook to a
// destination that answers hostileBody, a client of acme with every scope, a read-only one,
// and a client of globex.
type consoleFixture struct {
	srv              *testServer
	writer, reader   testClient // acme: every scope; webhooks.read and break-definitions.read
	stranger         testClient // globex: every scope
	hook, foreign    string     // the webhook ids of acme and globex
	received         atomic.Int64
	destination, url string
}

func newConsoleFixture(t *testing.T, args ...string) *consoleFixture {
	t.Helper()
	db := tempDB(t)
	createTenant(t, db, "acme", shiftwire.DefaultTimeZone)
	createTenant(t, db, "globex", "")
	all := shiftwire.AllScopes()
	f := &consoleFixture{
		writer:   addClient(t, db, "acme", all...),
		reader:   addClient(t, db, "acme", shiftwire.ScopeWebhooksRead, shiftwire.ReadScope(shiftwire.BreakDefinitions)),
		stranger: addClient(t, db, "globex", all...),
	}
	dest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		f.received.Add(1)
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, hostileBody)
	}))
	t.Cleanup(dest.Close)
	f.url = dest.URL + "/hook" + hostileQuery
	f.srv = startServer(t, db, append([]string{"--allow-private-destinations", "--allow-insecure-destinations"}, args...)...)
	f.hook = f.createWebhook(t, f.writer, f.url)
	f.foreign = f.createWebhook(t, f.stranger, dest.URL+"/globex")
	writeBreakDefinitions(t, f.srv, f.srv.token(f.writer), 0, []int64{1})
	f.waitAttempts(t, f.writer, f.hook, 1)
	return f
}

func (f *consoleFixture) createWebhook(t *testing.T, c testClient, dest string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"destinationUrl": dest, "collectionName": shiftwire.BreakDefinitions})
	resp := f.srv.call(c, http.MethodPost, "/connector/protimeapi/api/v1/webhooks", string(body))
	resp.wantStatus(t, http.StatusCreated)
	var hook struct{ ID string }
	json.Unmarshal(resp.body, &hook)
	return hook.ID
}

// attempts returns the ids of the attempts of webhook id, newest first, as the API lists
// them to c.
func (f *consoleFixture) attempts(t *testing.T, c testClient, id string) []string {
	t.Helper()
	resp := f.srv.call(c, http.MethodGet, "/connector/protimeapi/api/v1/webhooks/"+id+"/deliveries", "")
	resp.wantStatus(t, http.StatusOK)
	var list struct{ Value []struct{ ID string } }
	json.Unmarshal(resp.body, &list)
	var ids []string
	for _, a := range list.Value {
		ids = append(ids, a.ID)
	}
	return ids
}

// waitAttempts waits until webhook id has at least n attempts and returns their ids.
func (f *consoleFixture) waitAttempts(t *testing.T, c testClient, id string, n int) []string {
	t.Helper()
	var ids []string
	waitFor(t, 10*time.Second, fmt.Sprintf("%d attempts", n), func() bool {
		ids = f.attempts(t, c, id)
		return len(ids) >= n
	})
	return ids
}

// status returns the status of webhook id as the API shows it to c.
func (f *consoleFixture) status(t *testing.T, c testClient, id string) string {
	t.Helper()
	resp := f.srv.call(c, http.MethodGet, "/connector/protimeapi/api/v1/webhooks/"+id, "")
	resp.wantStatus(t, http.StatusOK)
	var hook struct{ Status string }
	json.Unmarshal(resp.body, &hook)
	return hook.Status
}

func TestConsoleSessionCookie(t *testing.T) {
	f := newConsoleFixture(t)
	b := newConsoleBrowser(t, f.srv)
	form := b.get("/console/signin").wantStatus(t, http.StatusOK)
	resp := b.post("/console/signin", url.Values{"csrf": {form.csrf(t)}, "tenant": {"acme"},
		"client_id": {f.writer.ClientID}, "client_secret": {f.writer.ClientSecret}})
	resp.wantRedirect(t, "/console/webhooks")
	c := resp.cookie("shiftwire_console")
	if c == nil {
		t.Fatalf("no session cookie; cookies: %v", resp.cookies)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || !c.Secure || c.Path != "/console/" {
		t.Errorf("session cookie %q: want HttpOnly, SameSite=Strict, Secure, Path=/console/", resp.header.Values("Set-Cookie"))
	}
	// Browsers drop a cookie over 4 KB without a word: a client holding every scope must fit.
	if n := len(c.Name) + len(c.Value); n > 4000 {
		t.Errorf("the session cookie of a client holding every scope is %d bytes; browsers keep 4 KB", n)
	}
	// The session ends with its token: 1800 s.
	if c.MaxAge < 1790 || c.MaxAge > 1800 {
		t.Errorf("session cookie Max-Age %d, want the token's 1800 s", c.MaxAge)
	}
	for _, secret := range []string{f.writer.ClientSecret, f.srv.tokenFor(f.writer)[:40]} {
		if strings.Contains(c.Value, secret) {
			t.Errorf("the session cookie holds a secret or token in the clear")
		}
	}
	page := b.get("/console/webhooks").wantStatus(t, http.StatusOK)
	if !strings.Contains(page.body, f.hook) {
		t.Errorf("the webhooks page lacks webhook %s:\n%s", f.hook, page.body)
	}

	// A cookie the server did not seal, or altered, is no session.
	forged := newConsoleBrowser(t, f.srv)
	forged.cookies["shiftwire_console"] = &http.Cookie{Name: "shiftwire_console", Value: c.Value[:len(c.Value)-4] + "AAAA"}
	forged.get("/console/webhooks").wantRedirect(t, "/console/signin")

	// The log holds a line per console request and no secret, token, cookie or CSRF token.
	log := f.srv.stderr.String()
	if !strings.Contains(log, `"msg":"console request"`) {
		t.Errorf("no console request in the log:\n%s", log)
	}
	for name, secret := range map[string]string{"the client secret": f.writer.ClientSecret, "a token": "eyJ",
		"the session cookie": c.Value[:20], "the CSRF token": page.csrf(t)} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %s", name)
		}
	}

	// Signing out drops the cookie.
	b.post("/console/signout", url.Values{"csrf": {page.csrf(t)}}).wantRedirect(t, "/console/signin")
	if _, ok := b.cookies["shiftwire_console"]; ok {
		t.Error("the session cookie survived signing out")
	}
	b.get("/console/webhooks").wantRedirect(t, "/console/signin")
}

func TestConsoleDevCookieNotSecure(t *testing.T) {
	s := startServer(t, tempDB(t), "--dev")
	if want := "Console: http://" + s.addr + "/console/ (sign in with tenant demo, client demo, secret demo-secret)"; !strings.Contains(s.stdout.String(), want) {
		t.Errorf("dev start-up does not print %q:\n%s", want, s.stdout)
	}
	b := newConsoleBrowser(t, s)
	page := b.signIn(testClient{Tenant: "demo", ClientID: "demo", ClientSecret: "demo-secret"})
	c := b.cookies["shiftwire_console"]
	if c == nil || c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("dev session cookie %+v: want HttpOnly, SameSite=Strict, not Secure", c)
	}
	if !strings.Contains(page.body, "This tenant has no webhooks") {
		t.Errorf("the demo tenant's webhooks page:\n%s", page.body)
	}
}

func TestConsoleWrongCredentials(t *testing.T) {
	f := newConsoleFixture(t)
	for _, tt := range []struct {
		name                     string
		tenant, clientID, secret string
		status                   int
		message                  string
	}{
		{"wrong secret", "acme", f.writer.ClientID, "not-the-secret", http.StatusUnauthorized, "The tenant, client id or secret is wrong."},
		{"unknown client", "acme", "nobody", "typed-s3cret", http.StatusUnauthorized, "The tenant, client id or secret is wrong."},
		{"unknown tenant", "initech", f.writer.ClientID, f.writer.ClientSecret, http.StatusUnauthorized, "The tenant, client id or secret is wrong."},
		{"another tenant's client", "globex", f.writer.ClientID, f.writer.ClientSecret, http.StatusUnauthorized, "The tenant, client id or secret is wrong."},
		{"tenant with a slash", "acme/../globex", f.writer.ClientID, f.writer.ClientSecret, http.StatusUnauthorized, "The tenant, client id or secret is wrong."},
		{"missing secret", "acme", f.writer.ClientID, "", http.StatusBadRequest, "Fill in the tenant, the client id and the secret."},
		{"long client id", "acme", strings.Repeat("x", 1000), "typed-s3cret", http.StatusBadRequest, "The tenant, client id or secret is wrong."},
		{"huge form", "acme", strings.Repeat("x", 100000), "typed-s3cret", http.StatusBadRequest, "The sign-in form could not be read."},
		{"tenant holding HTML", `<script>alert(1)</script>`, "<b>x</b>", "typed-s3cret", http.StatusUnauthorized, "The tenant, client id or secret is wrong."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newConsoleBrowser(t, f.srv)
			form := b.get("/console/signin").wantStatus(t, http.StatusOK)
			page := b.post("/console/signin", url.Values{"csrf": {form.csrf(t)}, "tenant": {tt.tenant},
				"client_id": {tt.clientID}, "client_secret": {tt.secret}})
			page.wantStatus(t, tt.status)
			if !strings.Contains(page.body, html.EscapeString(tt.message)) {
				t.Errorf("the page lacks %q:\n%s", tt.message, page.body)
			}
			if page.cookie("shiftwire_console") != nil {
				t.Error("a session cookie was set")
			}
			if strings.Contains(page.body, "<script>alert") || strings.Contains(page.body, "<b>x</b>") {
				t.Error("the form shows what was typed unescaped")
			}
			if tt.secret != "" && strings.Contains(page.body, tt.secret) {
				t.Error("the form shows the secret")
			}
			b.get("/console/webhooks").wantRedirect(t, "/console/signin")
		})
	}
}

func TestConsoleCSRF(t *testing.T) {
	f := newConsoleFixture(t)
	b := newConsoleBrowser(t, f.srv)
	b.signIn(f.writer)
	hookPage := "/console/webhooks/" + f.hook
	page := b.get(hookPage).wantStatus(t, http.StatusOK)
	before, received := f.attempts(t, f.writer, f.hook), f.received.Load()

	// Another session's token is no better than none.
	other := newConsoleBrowser(t, f.srv)
	other.signIn(f.writer)
	otherToken := other.get(hookPage).csrf(t)
	if otherToken == page.csrf(t) {
		t.Fatal("two sessions share a CSRF token")
	}
	for _, action := range []string{"ping", "retry", "rotate-key", "delete", "attempts/" + before[0] + "/resend"} {
		for name, form := range map[string]url.Values{
			"no token":            {},
			"empty token":         {"csrf": {""}},
			"another's token":     {"csrf": {otherToken}},
			"a token of the form": {"csrf": {page.csrf(t) + "x"}},
		} {
			resp := b.post(hookPage+"/"+action, form)
			if resp.status != http.StatusForbidden {
				t.Errorf("POST %s with %s: status %d, want 403", action, name, resp.status)
			}
		}
	}
	// A cross-site POST is refused before its form is read, token or not.
	resp := b.request(http.MethodPost, hookPage+"/ping", url.Values{"csrf": {page.csrf(t)}}, http.Header{"Sec-Fetch-Site": {"cross-site"}})
	resp.wantStatus(t, http.StatusForbidden)
	// Signing in needs the form's token too.
	fresh := newConsoleBrowser(t, f.srv)
	fresh.get("/console/signin")
	signin := fresh.post("/console/signin", url.Values{"tenant": {"acme"}, "client_id": {f.writer.ClientID}, "client_secret": {f.writer.ClientSecret}})
	signin.wantStatus(t, http.StatusForbidden)
	if signin.cookie("shiftwire_console") != nil {
		t.Error("signing in without the form's CSRF token set a session")
	}

	if got := f.attempts(t, f.writer, f.hook); len(got) != len(before) || f.received.Load() != received {
		t.Errorf("refused forms changed something: %d attempts, %d requests received; before %d and %d", len(got), f.received.Load(), len(before), received)
	}
	if got := f.status(t, f.writer, f.hook); got != "Enabled" {
		t.Errorf("webhook status %s after refused forms, want Enabled", got)
	}
	// With its token, the same form works.
	b.post(hookPage+"/ping", url.Values{"csrf": {page.csrf(t)}}).wantRedirect(t, hookPage)
	if f.received.Load() != received+1 {
		t.Errorf("the destination received %d requests after a ping, want %d", f.received.Load(), received+1)
	}
}

// inlineCode finds what a strict Content-Security-Policy would block in a page: inline
// scripts, event handler attributes, inline styles and javascript: URLs.
var inlineCode = regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>\s*[^<\s]|<script>|\son[a-z]+\s*=|\sstyle\s*=|<style|javascript:`)

func TestConsoleContentSecurityPolicy(t *testing.T) {
	f := newConsoleFixture(t)
	b := newConsoleBrowser(t, f.srv)
	attempts := f.attempts(t, f.writer, f.hook)
	pages := []string{"/console/signin"}
	b.signIn(f.writer)
	pages = append(pages, "/console/webhooks", "/console/webhooks/"+f.hook, "/console/webhooks/"+f.hook+"?outcome=Failed",
		"/console/webhooks/"+f.hook+"/attempts", "/console/webhooks/"+f.hook+"/attempts/"+attempts[0],
		"/console/webhooks/"+f.foreign, "/console/nowhere", "/console/static/console.css", "/console/static/console.js")
	const want = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	for _, path := range pages {
		p := b.get(path)
		if got := p.header.Get("Content-Security-Policy"); got != want {
			t.Errorf("%s: Content-Security-Policy %q, want %q", path, got, want)
		}
		if p.header.Get("X-Content-Type-Options") != "nosniff" || p.header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v lack nosniff or DENY", path, p.header)
		}
		if strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
			if m := inlineCode.FindString(p.body); m != "" {
				t.Errorf("%s holds inline code %q that the policy would block", path, m)
			}
			if p.header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: Cache-Control %q, want no-store", path, p.header.Get("Cache-Control"))
			}
		}
	}
}

func TestConsoleTenantIsolation(t *testing.T) {
	f := newConsoleFixture(t)
	writeBreakDefinitionsOf(t, f, f.stranger)
	foreignAttempts := f.waitAttempts(t, f.stranger, f.foreign, 1)
	b := newConsoleBrowser(t, f.srv)
	list := b.signIn(f.writer)
	if strings.Contains(list.body, f.foreign) {
		t.Error("acme's webhooks page shows globex's webhook")
	}
	csrf := b.get("/console/webhooks/" + f.hook).csrf(t)
	received := f.received.Load()
	base := "/console/webhooks/" + f.foreign
	for _, path := range []string{base, base + "/attempts", base + "/attempts/" + foreignAttempts[0]} {
		if p := b.get(path); p.status != http.StatusNotFound || strings.Contains(p.body, f.foreign+"/globex") {
			t.Errorf("GET %s as acme: status %d, want 404 showing nothing of it", path, p.status)
		}
	}
	// acme's webhook with globex's attempt id: 404 too.
	if p := b.get("/console/webhooks/" + f.hook + "/attempts/" + foreignAttempts[0]); p.status != http.StatusNotFound {
		t.Errorf("globex's attempt under acme's webhook: status %d, want 404", p.status)
	}
	for _, action := range []string{"ping", "retry", "rotate-key", "delete", "attempts/" + foreignAttempts[0] + "/resend"} {
		if p := b.post(base+"/"+action, url.Values{"csrf": {csrf}}); p.status != http.StatusNotFound {
			t.Errorf("POST %s on globex's webhook as acme: status %d, want 404", action, p.status)
		}
	}
	if got := f.status(t, f.stranger, f.foreign); got != "Enabled" {
		t.Errorf("globex's webhook is %s after acme's attempts, want Enabled", got)
	}
	if got := f.attempts(t, f.stranger, f.foreign); len(got) != len(foreignAttempts) || f.received.Load() != received {
		t.Errorf("acme's requests changed globex's webhook: %d attempts, want %d", len(got), len(foreignAttempts))
	}
}

// writeBreakDefinitionsOf commits a break definition as c, on c's tenant.
func writeBreakDefinitionsOf(t *testing.T, f *consoleFixture, c testClient) {
	t.Helper()
	body := `[{"collection":"break-definitions","changeType":"InsertOrUpdate","data":{"id":7,"name":{"default":"lunch"},"minimumDurationInMinutes":15}}]`
	f.srv.call(c, http.MethodPost, "/connector/protimeapi/api/v1/changes", body).wantStatus(t, http.StatusOK)
}

func TestConsoleEscapes(t *testing.T) {
	f := newConsoleFixture(t)
	b := newConsoleBrowser(t, f.srv)
	attempts := f.attempts(t, f.writer, f.hook)
	list := b.signIn(f.writer)
	hook := b.get("/console/webhooks/"+f.hook).wantStatus(t, http.StatusOK)
	attempt := b.get("/console/webhooks/"+f.hook+"/attempts/"+attempts[0]).wantStatus(t, http.StatusOK)
	for name, p := range map[string]*consolePage{"list": list, "webhook": hook, "attempt": attempt} {
		for _, raw := range []string{`<script>alert("url")`, `<script>alert("from the destination")`, `<b id="injected">`} {
			if strings.Contains(p.body, raw) {
				t.Errorf("the %s page holds %q unescaped", name, raw)
			}
		}
	}
	for name, p := range map[string]*consolePage{"list": list, "webhook": hook} {
		if !strings.Contains(p.body, html.EscapeString(f.url)) {
			t.Errorf("the %s page does not show the destination %q as text", name, f.url)
		}
	}
	if !strings.Contains(attempt.body, html.EscapeString(hostileBody)) {
		t.Errorf("the attempt page does not show the response body as text:\n%s", attempt.body)
	}
	if !strings.Contains(strings.ToLower(attempt.body), "webhook-signature") || !strings.Contains(attempt.body, `&#34;changeType&#34;: &#34;InsertOrUpdate&#34;`) {
		t.Errorf("the attempt page lacks the request's headers or its indented body:\n%s", attempt.body)
	}
}

// actionForms finds the forms of the webhook actions on a page.
var actionForms = regexp.MustCompile(`action="/console/webhooks/[^"]+/(ping|retry|rotate-key|delete|resend)"`)

func TestConsoleReadOnlyClient(t *testing.T) {
	f := newConsoleFixture(t)
	attempts := f.attempts(t, f.reader, f.hook)
	b := newConsoleBrowser(t, f.srv)
	list := b.signIn(f.reader)
	if !strings.Contains(list.body, "read-only") {
		t.Error("the pages do not say the client is read-only")
	}
	hook := b.get("/console/webhooks/"+f.hook).wantStatus(t, http.StatusOK)
	attempt := b.get("/console/webhooks/"+f.hook+"/attempts/"+attempts[0]).wantStatus(t, http.StatusOK)
	for name, p := range map[string]*consolePage{"webhook": hook, "attempt": attempt} {
		if m := actionForms.FindString(p.body); m != "" {
			t.Errorf("the %s page offers a read-only client the action %s", name, m)
		}
	}
	csrf := hook.csrf(t) // the sign-out form's
	received := f.received.Load()
	for _, action := range []string{"ping", "retry", "rotate-key", "delete", "attempts/" + attempts[0] + "/resend"} {
		p := b.post("/console/webhooks/"+f.hook+"/"+action, url.Values{"csrf": {csrf}})
		p.wantStatus(t, http.StatusForbidden)
		if !strings.Contains(p.body, shiftwire.ScopeWebhooksWrite) {
			t.Errorf("refusing %s does not name the missing scope:\n%s", action, p.body)
		}
	}
	if got := f.attempts(t, f.writer, f.hook); len(got) != len(attempts) || f.received.Load() != received {
		t.Errorf("a read-only client's POSTs changed something: %d attempts, want %d", len(got), len(attempts))
	}
	if got := f.status(t, f.writer, f.hook); got != "Enabled" {
		t.Errorf("webhook %s after a read-only client's delete, want Enabled", got)
	}
}

func TestConsoleActions(t *testing.T) {
	f := newConsoleFixture(t)
	b := newConsoleBrowser(t, f.srv)
	b.signIn(f.writer)
	hookPage := "/console/webhooks/" + f.hook
	page := b.get(hookPage).wantStatus(t, http.StatusOK)
	csrf := page.csrf(t)
	for _, action := range []string{"ping", "retry", "rotate-key", "delete"} {
		if !strings.Contains(page.body, `action="`+hookPage+"/"+action+`"`) {
			t.Errorf("the webhook page lacks the %s form", action)
		}
	}

	b.post(hookPage+"/ping", url.Values{"csrf": {csrf}}).wantRedirect(t, hookPage)
	after := b.get(hookPage).wantStatus(t, http.StatusOK)
	if !strings.Contains(after.body, "Ping delivered: the destination answered 200") {
		t.Errorf("no result of the ping:\n%s", after.body)
	}
	if strings.Contains(b.get(hookPage).body, "Ping delivered") {
		t.Error("the ping's message is shown twice")
	}

	b.post(hookPage+"/retry", url.Values{"csrf": {csrf}}).wantRedirect(t, hookPage)
	if p := b.get(hookPage); !strings.Contains(p.body, "Nothing was waiting for a retry.") {
		t.Errorf("no result of retry:\n%s", p.body)
	}

	// Resend the oldest attempt: its changes are queued again, and the new attempt shows in
	// the rows the page's script fetches.
	before := f.attempts(t, f.writer, f.hook)
	b.post(hookPage+"/attempts/"+before[len(before)-1]+"/resend", url.Values{"csrf": {csrf}}).wantRedirect(t, hookPage)
	if p := b.get(hookPage); !strings.Contains(p.body, "queued again") {
		t.Errorf("no result of resend:\n%s", p.body)
	}
	waitFor(t, 10*time.Second, "the resent attempt in the live rows", func() bool {
		rows := b.request(http.MethodGet, hookPage+"/attempts", nil, http.Header{"X-Console-Fetch": {"1"}}).wantStatus(t, http.StatusOK)
		return strings.Count(rows.body, `<tr class="attempt">`) == len(before)+1
	})

	// Rotate the key: the answer is the only place the new key shows.
	rotated := b.post(hookPage+"/rotate-key", url.Values{"csrf": {csrf}}).wantStatus(t, http.StatusOK)
	var key string
	if m := regexp.MustCompile(`value="(whsec_[^"]+)"`).FindStringSubmatch(rotated.body); m != nil {
		key = html.UnescapeString(m[1])
	}
	if len(key) != len("whsec_")+44 || rotated.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("rotate-key: no new key, or a cacheable page:\n%s", rotated.body)
	}
	for _, c := range rotated.cookies {
		if strings.Contains(c.Value, key) {
			t.Errorf("the new key is in the cookie %s", c.Name)
		}
	}
	if p := b.get(hookPage); strings.Contains(p.body, "whsec_") {
		t.Error("the webhook's page shows a key")
	}
	if strings.Contains(f.srv.stderr.String(), key) {
		t.Error("the new key is in the log")
	}

	b.post(hookPage+"/delete", url.Values{"csrf": {csrf}}).wantRedirect(t, hookPage)
	deleted := b.get(hookPage).wantStatus(t, http.StatusOK)
	if !strings.Contains(deleted.body, "Webhook deleted") || f.status(t, f.writer, f.hook) != "Disabled" {
		t.Errorf("delete: the page says\n%s", deleted.body)
	}
	if m := actionForms.FindString(deleted.body); m != "" {
		t.Errorf("a deleted webhook's page offers %s", m)
	}
	// The API's refusal of an action on a disabled webhook is the page's message.
	b.post(hookPage+"/retry", url.Values{"csrf": {csrf}}).wantRedirect(t, hookPage)
	if p := b.get(hookPage); !strings.Contains(p.body, "disabled") || !strings.Contains(p.body, `class="flash problem"`) {
		t.Errorf("retry on a deleted webhook: the page says\n%s", p.body)
	}
}

// TestConsolePostgres signs in to a serve on PostgreSQL (run when TEST_DATABASE_URL is set)
// and checks the stats and chart that the PostgreSQL store reads for the console.
func TestConsolePostgres(t *testing.T) {
	srv, client := startPostgresServer(t, "--allow-private-destinations", "--allow-insecure-destinations")
	var received atomic.Int64
	dest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if received.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // one failure, retried through the console below
		}
	}))
	t.Cleanup(dest.Close)
	body, _ := json.Marshal(map[string]string{"destinationUrl": dest.URL + "/pg", "collectionName": shiftwire.BreakDefinitions})
	resp := srv.call(client, http.MethodPost, "/connector/protimeapi/api/v1/webhooks", string(body))
	resp.wantStatus(t, http.StatusCreated)
	var hook struct{ ID string }
	json.Unmarshal(resp.body, &hook)
	writeBreakDefinitions(t, srv, srv.token(client), 0, []int64{1, 2})
	deliveries := "/connector/protimeapi/api/v1/webhooks/" + hook.ID + "/deliveries"
	waitFor(t, 10*time.Second, "the failed attempt", func() bool {
		return strings.Contains(string(srv.call(client, http.MethodGet, deliveries, "").body), `"outcome":"Failed"`)
	})

	// The destination failed, so the webhook's deliveries wait for a retry: Retry now sends
	// them at once.
	b := newConsoleBrowser(t, srv)
	b.signIn(client)
	hookPage := "/console/webhooks/" + hook.ID
	csrf := b.get(hookPage).wantStatus(t, http.StatusOK).csrf(t)
	b.post(hookPage+"/retry", url.Values{"csrf": {csrf}}).wantRedirect(t, hookPage)
	if p := b.get(hookPage); !strings.Contains(p.body, "being sent now") {
		t.Errorf("no result of retry:\n%s", p.body)
	}
	waitFor(t, 10*time.Second, "the retried deliveries' success", func() bool {
		return strings.Contains(string(srv.call(client, http.MethodGet, deliveries, "").body), `"outcome":"Succeeded"`)
	})
	list := b.get("/console/webhooks").wantStatus(t, http.StatusOK)
	var row string // the table row of the webhook
	for _, r := range strings.Split(list.body, "<tr>") {
		if strings.Contains(r, hook.ID) {
			row = r
		}
	}
	for _, want := range []string{"Enabled", `<td data-label="Last success"><span title="`, "just now"} {
		if !strings.Contains(row, want) {
			t.Errorf("the webhook's row lacks %q:\n%s", want, row)
		}
	}
	if !regexp.MustCompile(`\d+ % <span class="muted">of \d+</span>`).MatchString(row) {
		t.Errorf("the webhook's row has no failure rate:\n%s", row)
	}
	page := b.get(hookPage).wantStatus(t, http.StatusOK)
	if !strings.Contains(page.body, `<figure class="chart">`) || !strings.Contains(page.body, `<tr class="attempt">`) {
		t.Errorf("the webhook's page lacks its chart or attempts:\n%s", page.body)
	}
}

// TestConsoleDeletedClient deletes the signed-in client: once the API refuses its token, a
// page sends the browser to sign in again, and the live updates get a bare 401 rather than
// a sign-in form to put in the attempts table.
func TestConsoleDeletedClient(t *testing.T) {
	f := newConsoleFixture(t)
	b := newConsoleBrowser(t, f.srv)
	b.signIn(f.writer)
	session := *b.cookies["shiftwire_console"]
	admin(t, f.srv.db, "clients", "delete", f.writer.ClientID, "--tenant", "acme")

	hookPage := "/console/webhooks/" + f.hook
	waitFor(t, 10*time.Second, "the deleted client's session to end", func() bool {
		fetch := newConsoleBrowser(t, f.srv)
		fetch.cookies["shiftwire_console"] = &session
		p := fetch.request(http.MethodGet, hookPage+"/attempts", nil, http.Header{"X-Console-Fetch": {"1"}})
		if p.status == http.StatusOK {
			return false
		}
		if p.status != http.StatusUnauthorized || strings.Contains(p.body, "<form") {
			t.Fatalf("the live rows of a deleted client: status %d\n%s", p.status, p.body)
		}
		return true
	})
	b.get(hookPage).wantRedirect(t, "/console/signin")
	if _, ok := b.cookies["shiftwire_console"]; ok {
		t.Error("the session cookie of a deleted client was kept")
	}
	if p := b.get("/console/signin"); !strings.Contains(p.body, "Your session has ended") {
		t.Errorf("the sign-in form does not say why:\n%s", p.body)
	}
}

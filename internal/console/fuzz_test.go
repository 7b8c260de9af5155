package console_test

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// FuzzConsoleRequests sends hostile requests to a signed-in console in front of a real API and
// store: any path under /console/, query, form and cookie. None may fail the server (a 500),
// and none may reflect its input unescaped into a page.
func FuzzConsoleRequests(f *testing.F) {
	db := storetest.OpenSQLite(f)
	id, secret := newClient(f, db, shiftwire.ScopeWebhooksRead, shiftwire.ScopeWebhooksWrite, shiftwire.ReadScope(shiftwire.People))
	master := make(shiftwire.Secret, 32)
	rand.Read(master)
	srv := consoleServer(f, db, master, &clock{now: time.Now()})
	b := &browser{t: f, base: srv.URL, cookies: map[string]string{}}
	b.signIn(id, secret)
	session := b.cookies["shiftwire_console"]
	_, page := b.do(http.MethodGet, "/console/webhooks", nil)
	csrf := csrfField.FindStringSubmatch(page)[1]
	handler := srv.Config.Handler

	f.Add("GET", "webhooks", "page=x", "", true)
	f.Add("GET", "webhooks/x%2F..%2F/attempts", "outcome=Failed", "", true)
	f.Add("POST", "webhooks/<script>/ping", "", "csrf=CSRF", true)
	f.Add("POST", "signin", "", "csrf=x&tenant=%00&client_id=a&client_secret=b", false)
	f.Add("POST", "webhooks/a/attempts/b/resend", "", "csrf=CSRF&csrf=y", true)
	f.Add("GET", "webhooks/a", "outcome=%27%20or%201%20eq%201", "", true)
	f.Fuzz(func(t *testing.T, method, path, query, form string, signedIn bool) {
		if method != "GET" && method != "POST" {
			method = "GET"
		}
		form = strings.ReplaceAll(form, "CSRF", url.QueryEscape(csrf))
		target := "/console/" + path
		if query != "" {
			target += "?" + query
		}
		if _, err := url.ParseRequestURI(target); err != nil || strings.ContainsAny(target, " \t\r\n#") {
			return // not a request a client can send
		}
		req := httptest.NewRequest(method, target, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if signedIn {
			req.AddCookie(&http.Cookie{Name: "shiftwire_console", Value: session})
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: status %d\n%s", method, target, form, rec.Code, rec.Body)
		}
		if body := rec.Body.String(); strings.Contains(body, "<script>") {
			t.Fatalf("%s %s %q: the page holds an unescaped <script>\n%s", method, target, form, body)
		}
	})
}

package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shiftwire/shiftwire"
)

// The caps on what the sign-in form takes: far above any real tenant name, client id or
// secret, far below what would make the token request costly.
const (
	maxTenantName = 100
	maxClientID   = 200
	maxSecret     = 500
)

// signInPage is the sign-in form's data: what was typed (never the secret) and why it failed.
type signInPage struct {
	Tenant, ClientID string
	Problem          string
}

// signInBinding returns the random value the sign-in form's CSRF token is bound to, from its
// cookie, setting a new one when the browser has none.
func (c *Console) signInBinding(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(signInCookie); err == nil && len(ck.Value) >= 16 && len(ck.Value) <= 64 {
		return ck.Value
	}
	b := randomID()
	http.SetCookie(w, c.cookie(signInCookie, b, 3600))
	return b
}

// signInForm serves GET /console/signin.
func (c *Console) signInForm(w http.ResponseWriter, r *http.Request) error {
	if c.sessionOf(r) != nil {
		http.Redirect(w, r, "/console/webhooks", http.StatusSeeOther)
		return nil
	}
	c.renderSignIn(w, r, http.StatusOK, signInPage{Tenant: c.cfg.DefaultTenant}, c.takeFlash(w, r))
	return nil
}

func (c *Console) renderSignIn(w http.ResponseWriter, r *http.Request, status int, p signInPage, f *flash) {
	binding := c.signInBinding(w, r)
	c.renderTemplate(w, status, "signin", "layout.html", view{CSRF: c.seal.csrfToken("signin:" + binding), Flash: f, Page: p})
}

// tokenAnswer is the token endpoint's success body.
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
}

// signIn serves POST /console/signin: it fetches a token for the client from the API's token
// endpoint, as any client does, and seals it into the session cookie. A wrong tenant, client
// id or secret gets one message, so the form tells no more than the token endpoint does.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		c.renderSignIn(w, r, http.StatusBadRequest, signInPage{Problem: "The sign-in form could not be read."}, nil)
		return nil
	}
	p := signInPage{Tenant: strings.TrimSpace(r.PostForm.Get("tenant")), ClientID: strings.TrimSpace(r.PostForm.Get("client_id"))}
	secret := r.PostForm.Get("client_secret")
	ck, err := r.Cookie(signInCookie)
	if err != nil || !c.seal.checkCSRF("signin:"+ck.Value, r.PostForm.Get("csrf")) {
		p.Problem = "The sign-in form had expired. Sign in again."
		c.renderSignIn(w, r, http.StatusForbidden, p, nil)
		return nil
	}
	switch {
	case p.Tenant == "" || p.ClientID == "" || secret == "":
		p.Problem = "Fill in the tenant, the client id and the secret."
	case len(p.Tenant) > maxTenantName || len(p.ClientID) > maxClientID || len(secret) > maxSecret:
		p.Problem = "The tenant, client id or secret is wrong."
		p.Tenant, p.ClientID = "", ""
	case !shiftwire.ValidTenantName(p.Tenant):
		// A name that is no tenant's could not reach one: it would only become part of the
		// host name the console calls the API with. It is wrong like any unknown tenant.
		p.Problem = "The tenant, client id or secret is wrong."
		c.renderSignIn(w, r, http.StatusUnauthorized, p, nil)
		return nil
	case c.cfg.BaseDomain == "" && p.Tenant != c.cfg.DefaultTenant:
		// The API tells tenants apart by host name under the base domain; without one,
		// every request is the default tenant's.
		p.Problem = "This server has no --base-domain, so the console reaches only its default tenant."
	}
	if p.Problem != "" {
		c.renderSignIn(w, r, http.StatusBadRequest, p, nil)
		return nil
	}

	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {p.ClientID}, "client_secret": {secret}}
	resp, err := c.call(r, p.Tenant, "", http.MethodPost, "/tenants/"+url.PathEscape(p.Tenant)+"/connect/token",
		strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
	if err != nil {
		return err
	}
	var tok tokenAnswer
	status := resp.Status
	switch {
	case status == http.StatusOK && json.Unmarshal(resp.Body, &tok) == nil && tok.AccessToken != "":
	case status == http.StatusUnauthorized || status == http.StatusNotFound || status == http.StatusBadRequest:
		status = http.StatusUnauthorized
		p.Problem = "The tenant, client id or secret is wrong."
	case status == http.StatusTooManyRequests:
		p.Problem = "Too many sign-in attempts. Wait a little and try again."
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			p.Problem = "Too many sign-in attempts. Try again in " + strconv.Itoa(s) + " s."
			w.Header().Set("Retry-After", resp.Header.Get("Retry-After"))
		}
	default:
		status = http.StatusServiceUnavailable
		p.Problem = "The server could not check these credentials (request " + resp.Header.Get("X-Request-Id") + "). Try again later."
	}
	if p.Problem != "" {
		c.renderSignIn(w, r, status, p, nil)
		return nil
	}
	s := &session{
		ID:       randomID(),
		Tenant:   p.Tenant,
		ClientID: p.ClientID,
		Token:    tok.AccessToken,
		Write:    slices.Contains(strings.Fields(tok.Scope), shiftwire.ScopeWebhooksWrite),
		Expires:  c.now().Add(time.Duration(tok.ExpiresIn) * time.Second),
	}
	if !slices.Contains(strings.Fields(tok.Scope), shiftwire.ScopeWebhooksRead) {
		p.Problem = "This client has no " + shiftwire.ScopeWebhooksRead + " scope, which the console needs to show its webhooks."
		c.renderSignIn(w, r, http.StatusForbidden, p, nil)
		return nil
	}
	if err := c.setSession(w, s); errors.Is(err, errSessionTooLarge) {
		p.Problem = "This client's token is too large for a browser cookie. Sign in with a client holding fewer scopes."
		c.renderSignIn(w, r, http.StatusBadRequest, p, nil)
		return nil
	} else if err != nil {
		return err
	}
	c.clearCookie(w, signInCookie)
	http.Redirect(w, r, "/console/webhooks", http.StatusSeeOther)
	return nil
}

// signOut serves POST /console/signout: the cookie goes. The token itself stays valid until
// it expires (at most 30 minutes), as any bearer token does.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return &pageError{Status: http.StatusBadRequest, Message: "The form could not be read."}
	}
	s := c.sessionOf(r)
	if s != nil && !c.seal.checkCSRF(s.ID, r.PostForm.Get("csrf")) {
		return errCSRF
	}
	c.clearCookie(w, sessionCookie)
	c.setFlash(w, flash{OK: true, Text: "Signed out."})
	http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
	return nil
}

// errCSRF refuses a form whose CSRF token is missing or not the session's.
var errCSRF = &pageError{Status: http.StatusForbidden,
	Message: "This form did not come from a page of your session, or the page is too old. Reload it and try again."}

package console

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/shiftwire/shiftwire"
)

// The console's cookies, all scoped to its path.
const (
	sessionCookie = "shiftwire_console"        // the sealed session
	signInCookie  = "shiftwire_console_signin" // binds the sign-in form's CSRF token
	flashCookie   = "shiftwire_console_flash"  // a sealed message for the next page
	cookiePath    = "/console/"
)

// session is what a signed-in browser holds, sealed in its cookie: the access token the API
// issued to the client and what the pages need to know of it. It ends when the token does.
type session struct {
	ID       string    `json:"i"` // random: binds the CSRF token of the session's forms
	Tenant   string    `json:"t"`
	ClientID string    `json:"c"`
	Token    string    `json:"k"`
	Scopes   []string  `json:"s"`
	Expires  time.Time `json:"e"`
}

// CanWrite reports whether the session's client may act on webhooks. The API checks it
// again on every action; the console uses it to show or hide the actions.
func (s *session) CanWrite() bool { return slices.Contains(s.Scopes, shiftwire.ScopeWebhooksWrite) }

// cookie returns a cookie of the console with the flags every one of them has.
func (c *Console) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     cookiePath,
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   c.cfg.Secure,
		SameSite: http.SameSiteStrictMode,
	}
}

// setSession seals s into the session cookie, which the browser keeps as long as the token.
func (c *Console) setSession(w http.ResponseWriter, s *session) {
	b, _ := json.Marshal(s)
	maxAge := max(int(s.Expires.Sub(c.now()).Seconds()), 1)
	http.SetCookie(w, c.cookie(sessionCookie, c.seal.seal(sessionCookie, b), maxAge))
}

// clearCookie tells the browser to drop the cookie called name.
func (c *Console) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, c.cookie(name, "", -1))
}

// sessionOf returns the request's session, nil when it has none, or one that this server's
// master key did not seal, or one whose token has expired.
func (c *Console) sessionOf(r *http.Request) *session {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	b, err := c.seal.open(sessionCookie, ck.Value)
	if err != nil {
		return nil
	}
	var s session
	if json.Unmarshal(b, &s) != nil || s.ID == "" || s.Token == "" || !c.now().Before(s.Expires) {
		return nil
	}
	return &s
}

// flash is a message for the page the browser is sent to after a form: the result of an
// action, kept in a sealed cookie for one page view.
type flash struct {
	OK   bool   `json:"o"`
	Text string `json:"t"`
	// Link, when set, is the console path of the attempt the action made.
	Link string `json:"l,omitempty"`
}

// maxFlashText keeps a flash cookie far under the size browsers accept.
const maxFlashText = 1000

func (c *Console) setFlash(w http.ResponseWriter, f flash) {
	if len(f.Text) > maxFlashText {
		f.Text = f.Text[:maxFlashText] + "…"
	}
	b, _ := json.Marshal(f)
	http.SetCookie(w, c.cookie(flashCookie, c.seal.seal(flashCookie, b), 60))
}

// takeFlash returns the request's flash message, if any, and drops it.
func (c *Console) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	ck, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	c.clearCookie(w, flashCookie)
	b, err := c.seal.open(flashCookie, ck.Value)
	if err != nil {
		return nil
	}
	var f flash
	if json.Unmarshal(b, &f) != nil {
		return nil
	}
	return &f
}

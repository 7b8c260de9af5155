package console

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
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
	Write    bool      `json:"w"` // the token holds webhooks.write
	Expires  time.Time `json:"e"`
}

// CanWrite reports whether the session's client may act on webhooks. The API checks it
// again on every action; the console uses it to show or hide the actions.
func (s *session) CanWrite() bool { return s.Write }

// maxCookieBytes is what browsers keep of one cookie, name and value together; a larger one
// is dropped without a word, which would make a sign-in that seems to work and does not.
const maxCookieBytes = 4000

// errSessionTooLarge refuses a sign-in whose token does not fit in a cookie even compressed.
var errSessionTooLarge = errors.New("console: the session does not fit in a cookie")

// sealSession compresses and seals s for the session cookie. A token's scopes take most of
// it and repeat the same prefix: a client holding every scope has a token of almost 3 KB that
// compresses to under 1 KB, where the browser's 4 KB limit per cookie leaves room.
func (c *Console) sealSession(s *session) (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, flate.BestCompression)
	zw.Write(b)
	zw.Close()
	v := c.seal.seal(sessionCookie, buf.Bytes())
	if len(sessionCookie)+1+len(v) > maxCookieBytes {
		return "", errSessionTooLarge
	}
	return v, nil
}

// openSession opens a value sealSession made.
func (c *Console) openSession(value string) (*session, error) {
	if len(value) > maxCookieBytes {
		return nil, errSessionTooLarge
	}
	b, err := c.seal.open(sessionCookie, value)
	if err != nil {
		return nil, err
	}
	// A sealed value is the server's own, but the inflated size is bounded all the same.
	raw, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(b)), 64<<10))
	if err != nil {
		return nil, err
	}
	var s session
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

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
func (c *Console) setSession(w http.ResponseWriter, s *session) error {
	v, err := c.sealSession(s)
	if err != nil {
		return err
	}
	maxAge := max(int(s.Expires.Sub(c.now()).Seconds()), 1)
	http.SetCookie(w, c.cookie(sessionCookie, v, maxAge))
	return nil
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
	s, err := c.openSession(ck.Value)
	if err != nil || s.ID == "" || s.Token == "" || !c.now().Before(s.Expires) {
		return nil
	}
	return s
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

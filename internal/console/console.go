package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/shiftwire/shiftwire"
)

// Config holds the console's settings.
type Config struct {
	// BaseDomain is the API's: the console addresses tenant acme's API as acme.<BaseDomain>.
	BaseDomain string
	// DefaultTenant fills in the sign-in form's tenant.
	DefaultTenant string
	// Secure marks the cookies Secure, so browsers send them over HTTPS only. Only a
	// development server on loopback over plain HTTP turns it off.
	Secure bool
	// UserAgent is what the console's calls to the API carry.
	UserAgent string
}

// Stats reads what the API does not show of a tenant's webhooks. The stores implement it.
type Stats interface {
	// TenantByName returns the tenant called name.
	TenantByName(ctx context.Context, name string) (*shiftwire.Tenant, error)
	// WebhookStats returns the stats of the webhooks of tenantID named in ids, with the
	// attempts made since since.
	WebhookStats(ctx context.Context, tenantID int64, ids []string, since time.Time) (map[string]shiftwire.WebhookStats, error)
}

// Deps are the console's collaborators.
type Deps struct {
	// API is the connector API's handler, which the console calls in process for every
	// read and action.
	API http.Handler
	// MasterKey is the server's master key, from which the cookie and CSRF keys are derived.
	MasterKey shiftwire.Secret
	// Stats reads each webhook's backlog, last success and failure rate; nil shows none.
	Stats Stats
	// History holds the backlog samples of the charts; nil draws none.
	History *BacklogHistory
	Logger  *slog.Logger
	Now     func() time.Time
}

// Console serves /console/. Create it with New.
type Console struct {
	cfg     Config
	api     http.Handler
	seal    *sealer
	stats   Stats
	history *BacklogHistory
	log     *slog.Logger
	now     func() time.Time
	pages   map[string]*template.Template
	handler http.Handler
}

// Recent is the window of a webhook's failure rate; the pages call it "the last hour".
const Recent = time.Hour

//go:embed templates static
var assets embed.FS

// New returns the console for cfg.
func New(cfg Config, deps Deps) (*Console, error) {
	seal, err := newSealer(deps.MasterKey)
	if err != nil {
		return nil, err
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "Shiftwire-Console"
	}
	c := &Console{cfg: cfg, api: deps.API, seal: seal, stats: deps.Stats, history: deps.History, log: deps.Logger, now: deps.Now}
	if c.pages, err = parsePages(); err != nil {
		return nil, err
	}
	c.handler = c.logged(c.secure(c.routes()))
	return c, nil
}

// ServeHTTP serves one request under /console/.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.handler.ServeHTTP(w, r) }

// routes is the whole console on one screen.
func (c *Console) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	mux.Handle("GET /console/{$}", c.page(c.home))
	mux.Handle("GET /console/signin", c.page(c.signInForm))
	mux.Handle("POST /console/signin", c.page(c.signIn))
	mux.Handle("POST /console/signout", c.page(c.signOut))
	mux.Handle("GET /console/webhooks", c.page(c.signedIn(c.webhooks)))
	mux.Handle("GET /console/webhooks/{id}", c.page(c.signedIn(c.webhook)))
	mux.Handle("GET /console/webhooks/{id}/attempts", c.page(c.signedIn(c.attemptRows)))
	mux.Handle("GET /console/webhooks/{id}/attempts/{attempt}", c.page(c.signedIn(c.attempt)))
	mux.Handle("POST /console/webhooks/{id}/ping", c.page(c.action(c.ping)))
	mux.Handle("POST /console/webhooks/{id}/retry", c.page(c.action(c.retry)))
	mux.Handle("POST /console/webhooks/{id}/rotate-key", c.page(c.action(c.rotateKey)))
	mux.Handle("POST /console/webhooks/{id}/delete", c.page(c.action(c.deleteWebhook)))
	mux.Handle("POST /console/webhooks/{id}/attempts/{attempt}/resend", c.page(c.action(c.resend)))
	mux.Handle("/console/", c.page(func(w http.ResponseWriter, r *http.Request) error {
		return &pageError{Status: http.StatusNotFound, Message: "There is no such page."}
	}))
	return mux
}

// contentSecurityPolicy lets a page load only the console's own script, style and images,
// send its forms and fetches only to the console, and be framed by nobody.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// secure sets the security headers of every answer and refuses cross-origin POSTs (as the
// browser reports them) before anything else runs; the CSRF token is checked on top.
func (c *Console) secure(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.renderError(w, r, nil, &pageError{Status: http.StatusForbidden, Message: "The request came from another site."})
	}))
	guarded := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		guarded.ServeHTTP(w, r)
	})
}

// pageFunc is a console handler that returns its error for page to render.
type pageFunc func(w http.ResponseWriter, r *http.Request) error

// pageError is an error a page explains to the person using the console.
type pageError struct {
	Status    int
	Message   string
	RequestID string // the API's request id, for a failure worth reporting
	SignIn    bool   // the session is over: sign in again
}

func (e *pageError) Error() string { return fmt.Sprintf("%d: %s", e.Status, e.Message) }

// page adapts a pageFunc: pages are never cached, panics and unexpected errors become a 500
// page with a request id that is also in the log line.
func (c *Console) page(h pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				c.renderError(w, r, nil, fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
			}
		}()
		if err := h(w, r); err != nil {
			c.renderError(w, r, c.sessionOf(r), err)
		}
	})
}

// renderError shows err on an error page, or sends the browser to sign in again when its
// session is over.
func (c *Console) renderError(w http.ResponseWriter, r *http.Request, s *session, err error) {
	var pe *pageError
	if !errors.As(err, &pe) {
		id := randomID()[:12]
		c.log.ErrorContext(r.Context(), "console error", "requestId", id, "method", r.Method, "path", r.URL.Path, "err", err)
		pe = &pageError{Status: http.StatusInternalServerError, Message: "Something went wrong on the server.", RequestID: id}
	}
	if pe.SignIn {
		if r.Header.Get("X-Console-Fetch") != "" { // the live updates: no page to send
			c.clearCookie(w, sessionCookie)
			http.Error(w, "signed out", http.StatusUnauthorized)
			return
		}
		c.clearCookie(w, sessionCookie)
		c.setFlash(w, flash{Text: "Your session has ended. Sign in again."})
		http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
		return
	}
	if pe.Status >= 500 && pe.RequestID != "" {
		c.log.ErrorContext(r.Context(), "console error", "requestId", pe.RequestID, "method", r.Method, "path", r.URL.Path, "err", pe.Message)
	}
	c.render(w, pe.Status, "error", s, nil, map[string]any{"Error": pe})
}

// signedIn guards a page that needs a session; without one the browser is sent to sign in.
func (c *Console) signedIn(h func(w http.ResponseWriter, r *http.Request, s *session) error) pageFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		s := c.sessionOf(r)
		if s == nil {
			return c.toSignIn(w, r)
		}
		return h(w, r, s)
	}
}

// toSignIn answers a request without a session: pages send the browser to the sign-in form;
// the live updates' fetches get a bare 401, since a redirect would fill a table with a form.
func (c *Console) toSignIn(w http.ResponseWriter, r *http.Request) error {
	if r.Header.Get("X-Console-Fetch") != "" {
		http.Error(w, "signed out", http.StatusUnauthorized)
		return nil
	}
	if _, err := r.Cookie(sessionCookie); err == nil {
		c.clearCookie(w, sessionCookie)
		c.setFlash(w, flash{Text: "Your session has ended. Sign in again."})
	}
	http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
	return nil
}

// home sends the browser to its webhooks, or to sign in.
func (c *Console) home(w http.ResponseWriter, r *http.Request) error {
	if c.sessionOf(r) == nil {
		http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
	} else {
		http.Redirect(w, r, "/console/webhooks", http.StatusSeeOther)
	}
	return nil
}

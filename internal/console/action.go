package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/shiftwire/shiftwire"
)

// errReadOnly refuses an action to a client without webhooks.write, before the API is asked.
var errReadOnly = &pageError{Status: http.StatusForbidden,
	Message: "This client has no " + shiftwire.ScopeWebhooksWrite + " scope: it can look at webhooks but not act on them."}

// action guards a POST that acts on a webhook: it needs a session, the session's CSRF token
// in the form, and the webhooks.write scope. Each is checked before the API is called, so a
// refused request changes nothing; the API then checks the scopes again.
func (c *Console) action(h func(w http.ResponseWriter, r *http.Request, s *session) error) pageFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			return &pageError{Status: http.StatusBadRequest, Message: "The form could not be read."}
		}
		s := c.sessionOf(r)
		if s == nil {
			return c.toSignIn(w, r)
		}
		if !c.seal.checkCSRF(s.ID, r.PostForm.Get("csrf")) {
			return errCSRF
		}
		if !s.CanWrite() {
			return errReadOnly
		}
		return h(w, r, s)
	}
}

// perform calls the API for an action. A refusal the person can do something about (the
// webhook is disabled, too many requests, a missing scope) becomes a message on the webhook's
// page, and perform reports false; a lost session, an unknown webhook or a server failure is
// returned for the error page.
func (c *Console) perform(w http.ResponseWriter, r *http.Request, s *session, method, path string, out any) (bool, error) {
	err := c.apiCall(r, s, method, path, out)
	var pe *pageError
	if errors.As(err, &pe) && !pe.SignIn && pe.Status != http.StatusNotFound && pe.Status < 500 {
		c.done(w, r, flash{Text: pe.Message})
		return false, nil
	}
	return err == nil, err
}

// done shows f on the webhook's page, where the browser is sent after every action.
func (c *Console) done(w http.ResponseWriter, r *http.Request, f flash) {
	c.setFlash(w, f)
	http.Redirect(w, r, "/console/webhooks/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
}

// ping serves POST /console/webhooks/{id}/ping: one signed Ping to the destination, whose
// answer the message reports.
func (c *Console) ping(w http.ResponseWriter, r *http.Request, s *session) error {
	var a attemptJSON
	if ok, err := c.perform(w, r, s, http.MethodPost, webhookPath(r.PathValue("id"), "ping"), &a); !ok {
		return err
	}
	f := flash{OK: a.Outcome == "Succeeded", Link: "/console/webhooks/" + url.PathEscape(r.PathValue("id")) + "/attempts/" + url.PathEscape(a.ID)}
	if f.OK {
		f.Text = fmt.Sprintf("Ping delivered: the destination answered %d in %d ms.", a.StatusCode, a.DurationInMilliseconds)
	} else {
		f.Text = fmt.Sprintf("Ping failed (%s", a.Outcome)
		if a.Error != "" {
			f.Text += ": " + a.Error
		}
		f.Text += ")."
	}
	c.done(w, r, f)
	return nil
}

// retry serves POST /console/webhooks/{id}/retry: every delivery waiting for a retry is due
// now.
func (c *Console) retry(w http.ResponseWriter, r *http.Request, s *session) error {
	var out struct {
		Retried int `json:"retried"`
	}
	if ok, err := c.perform(w, r, s, http.MethodPost, webhookPath(r.PathValue("id"), "retry"), &out); !ok {
		return err
	}
	f := flash{OK: true, Text: "Nothing was waiting for a retry."}
	switch out.Retried {
	case 0:
	case 1:
		f.Text = "1 delivery waiting for a retry is being sent now."
	default:
		f.Text = fmt.Sprintf("%d deliveries waiting for a retry are being sent now.", out.Retried)
	}
	c.done(w, r, f)
	return nil
}

// resend serves POST /console/webhooks/{id}/attempts/{attempt}/resend: the attempt's changes
// are queued again, and the new attempt appears on the webhook's page.
func (c *Console) resend(w http.ResponseWriter, r *http.Request, s *session) error {
	path := webhookPath(r.PathValue("id"), "deliveries", r.PathValue("attempt"), "resend")
	if ok, err := c.perform(w, r, s, http.MethodPost, path, nil); !ok {
		return err
	}
	c.done(w, r, flash{OK: true, Text: "The attempt's changes are queued again; the new attempt appears below once it is made."})
	return nil
}

// keyPage shows a new signing key, once.
type keyPage struct {
	WebhookID string
	Key       string
}

// rotateKey serves POST /console/webhooks/{id}/rotate-key: the answer is the only page that
// ever shows the new key. It is not stored, not logged and not put in a cookie.
func (c *Console) rotateKey(w http.ResponseWriter, r *http.Request, s *session) error {
	var out struct {
		Key string `json:"key"`
	}
	if ok, err := c.perform(w, r, s, http.MethodPost, webhookPath(r.PathValue("id"), "rotate-key"), &out); !ok {
		return err
	}
	c.render(w, http.StatusOK, "key", s, nil, keyPage{WebhookID: r.PathValue("id"), Key: out.Key})
	return nil
}

// deleteWebhook serves POST /console/webhooks/{id}/delete: the API's DELETE, a soft delete
// that keeps the webhook and its attempts readable.
func (c *Console) deleteWebhook(w http.ResponseWriter, r *http.Request, s *session) error {
	if ok, err := c.perform(w, r, s, http.MethodDelete, webhookPath(r.PathValue("id")), nil); !ok {
		return err
	}
	c.done(w, r, flash{OK: true, Text: "Webhook deleted: it sends nothing more. Its attempts stay readable here."})
	return nil
}

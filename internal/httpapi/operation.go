package httpapi

import (
	"io"
	"net/http"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/signing"
)

// operableWebhook returns the caller's webhook named in the path for an operation (SPEC
// section 14): 404 when it is another tenant's, 401 without the right to read its
// collection, 409 when it is disabled, or its validUntil came.
func (s *Server) operableWebhook(r *http.Request) (*shiftwire.Webhook, error) {
	c := callerOf(r.Context())
	hook, err := s.store.Webhook(r.Context(), c.tenant.ID, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if err := c.principal.RequireScope(shiftwire.ReadScope(hook.Collection)); err != nil {
		return nil, err
	}
	if hook = hook.AsOf(s.now()); !hook.Enabled() {
		return nil, shiftwire.Errorf(shiftwire.EConflict, "the webhook is disabled (%s)", hook.DisabledReason)
	}
	if s.engine == nil {
		return nil, shiftwire.Errorf(shiftwire.EInternal, "no delivery engine")
	}
	return hook, nil
}

// pingWebhook serves POST /webhooks/{id}/ping: one signed Ping event to the destination
// now, answered with its attempt as the debugging endpoints show it.
func (s *Server) pingWebhook(w http.ResponseWriter, r *http.Request) error {
	hook, err := s.operableWebhook(r)
	if err != nil {
		return err
	}
	a, err := s.engine.Ping(r.Context(), hook)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderAttempt(a, callerOf(r.Context()).tenant.Location()))
	return nil
}

// retryWebhook serves POST /webhooks/{id}/retry: every delivery of the webhook waiting for a
// retry, or held while its destination is down, is due now, and the engine is woken to send
// them; a destination being probed is probed now. 202 with how many were made due.
func (s *Server) retryWebhook(w http.ResponseWriter, r *http.Request) error {
	hook, err := s.operableWebhook(r)
	if err != nil {
		return err
	}
	n, err := s.store.RetryDeliveries(r.Context(), hook.TenantID, hook.ID, s.now())
	if err != nil {
		return err
	}
	if n > 0 {
		s.engine.Wake()
	}
	writeJSON(w, http.StatusAccepted, struct {
		Retried int `json:"retried"`
	}{n})
	return nil
}

// resendDelivery serves POST /webhooks/{id}/deliveries/{deliveryId}/resend: the changes the
// attempt carried are queued again, behind what is queued for their objects, and sent with
// the same webhook-id as before. 202 with how many were queued: a change still queued is not
// queued twice.
func (s *Server) resendDelivery(w http.ResponseWriter, r *http.Request) error {
	hook, err := s.operableWebhook(r)
	if err != nil {
		return err
	}
	a, err := s.store.Attempt(r.Context(), hook.TenantID, hook.ID, r.PathValue("deliveryId"))
	if err != nil {
		return err
	}
	if len(a.ChangeVersions) == 0 {
		return shiftwire.Invalid("nothing to resend", "the attempt carried no changes: it was a ping or a lifecycle notice")
	}
	// Changes older than the retention may be on their way out of the change log: those
	// are not queued again (see shiftwire.PruneMargin).
	now := s.now()
	n, err := s.store.RequeueChanges(r.Context(), hook.TenantID, hook.ID, a.ChangeVersions, now.Add(-s.cfg.Retention), now)
	if err != nil {
		return err
	}
	s.queued(r, hook, "webhook resend", n)
	writeJSON(w, http.StatusAccepted, struct {
		Resent int `json:"resent"`
	}{n})
	return nil
}

// recoverWebhook serves POST /webhooks/{id}/recover {"since": "..."}: every change of the
// webhook's collection committed after since and after the webhook's creation is queued
// again, in order, behind what is queued for its object. 202 with how many were queued.
func (s *Server) recoverWebhook(w http.ResponseWriter, r *http.Request) error {
	hook, err := s.operableWebhook(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	fields, verrs := shiftwire.ParseFields(body)
	if verrs != nil {
		return verrs
	}
	raw, _ := fields.String("since", true)
	if err := fields.Done(); err != nil {
		return err
	}
	now := s.now()
	since, err := shiftwire.RecoverSince(raw, now, s.cfg.Retention, callerOf(r.Context()).tenant.Location())
	if err != nil {
		return err
	}
	n, err := shiftwire.Recover(r.Context(), s.store, hook, since, now)
	if err != nil {
		return err
	}
	s.queued(r, hook, "webhook recovered", n)
	writeJSON(w, http.StatusAccepted, struct {
		Recovered int `json:"recovered"`
	}{n})
	return nil
}

// rotateKey serves POST /webhooks/{id}/rotate-key: a new signing key, shown only in this
// answer. The key it replaces keeps signing beside it for the key overlap, so receivers can
// switch at their pace.
func (s *Server) rotateKey(w http.ResponseWriter, r *http.Request) error {
	hook, err := s.operableWebhook(r)
	if err != nil {
		return err
	}
	key, err := signing.NewKey()
	if err != nil {
		return err
	}
	until := s.now().Add(s.cfg.KeyOverlap)
	if err := s.store.RotateWebhookKey(r.Context(), hook.TenantID, hook.ID, key, until); err != nil {
		return err
	}
	s.engine.Forget(hook.ID)
	s.log.InfoContext(r.Context(), "webhook key rotated", "tenant", callerOf(r.Context()).tenant.Name, "webhook", hook.ID,
		"previousKeyUntil", until)
	writeJSON(w, http.StatusOK, struct {
		Key string `json:"key"`
	}{signing.EncodeKey(key.Reveal())})
	return nil
}

// queued logs an operation that queued n changes again and wakes the engine to send them.
func (s *Server) queued(r *http.Request, hook *shiftwire.Webhook, msg string, n int) {
	s.log.InfoContext(r.Context(), msg, "tenant", callerOf(r.Context()).tenant.Name, "webhook", hook.ID, "queued", n)
	if n > 0 {
		s.engine.Wake()
	}
}

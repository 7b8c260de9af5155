package httpapi

import (
	"net/http"

	"github.com/shiftwire/shiftwire"
)

// operableWebhook returns the caller's webhook named in the path for an operation (SPEC
// section 14): 404 when it is another tenant's, 401 without the right to read its
// collection, 409 when it is disabled.
func (s *Server) operableWebhook(r *http.Request) (*shiftwire.Webhook, error) {
	c := callerOf(r.Context())
	hook, err := s.store.Webhook(r.Context(), c.tenant.ID, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if err := c.principal.RequireScope(shiftwire.ReadScope(hook.Collection)); err != nil {
		return nil, err
	}
	if !hook.Enabled() {
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

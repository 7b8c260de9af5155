package httpapi

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/signing"
)

const webhooksPath = apiBase + "webhooks"

// webhookJSON is a webhook as the API shows it: the keys of Protime's list example, in its
// order, then what Shiftwire adds. The signing key is never part of it.
type webhookJSON struct {
	ID                 string                       `json:"id"`
	ValidUntil         string                       `json:"validUntil"`
	Status             shiftwire.WebhookStatus      `json:"status"`
	DestinationURL     string                       `json:"destinationUrl"`
	CollectionName     string                       `json:"collectionName"`
	ExternalReferences shiftwire.ExternalReferences `json:"externalReferences,omitempty"`
	BatchSize          int                          `json:"batchSize,omitempty"`
	DisabledReason     shiftwire.DisabledReason     `json:"disabledReason,omitempty"`
	LifecycleURL       string                       `json:"lifecycleNotificationUrl,omitempty"`
}

func renderWebhook(w *shiftwire.Webhook, t *shiftwire.Tenant) webhookJSON {
	return webhookJSON{
		ID:                 w.ID,
		ValidUntil:         w.ValidUntil.In(t.Location()).Format(shiftwire.ValidUntilLayout),
		Status:             w.Status,
		DestinationURL:     w.DestinationURL,
		CollectionName:     w.Collection,
		ExternalReferences: w.ExternalReferences,
		BatchSize:          w.BatchSize,
		DisabledReason:     w.DisabledReason,
		LifecycleURL:       w.LifecycleURL,
	}
}

// createWebhook serves POST /webhooks.
func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r.Context())
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	fields, verrs := shiftwire.ParseFields(body)
	if verrs != nil {
		return verrs
	}
	dest, _ := fields.String("destinationUrl", true)
	name, _ := fields.String("collectionName", true)
	lifecycleURL, _ := fields.String("lifecycleNotificationUrl", false)
	if err := fields.Done(); err != nil {
		return err
	}

	collection, err := shiftwire.SubscribableCollection(name)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	refs, err := shiftwire.ParseExternalReferences(q.Get("externalReferences"))
	if err != nil {
		return err
	}
	if err := collection.EventReferences().CheckReferences(refs); err != nil {
		return err
	}
	batchSize := 0
	if v := q.Get("batchSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > shiftwire.MaxBatchSize {
			return shiftwire.Invalid("invalid batch size", "batchSize must be a whole number from 1 to "+strconv.Itoa(shiftwire.MaxBatchSize))
		}
		batchSize = n
	}
	if err := shiftwire.ValidateDestination(dest, s.cfg.Destinations); err != nil {
		return err
	}
	if lifecycleURL != "" {
		if err := shiftwire.ValidateLifecycleURL(lifecycleURL, s.cfg.Destinations); err != nil {
			return err
		}
	}
	// Subscribing to a collection needs the right to read it: checked last, as it depends on
	// the body.
	if err := c.principal.RequireScope(shiftwire.ReadScope(collection.Name)); err != nil {
		return err
	}

	key, err := signing.NewKey()
	if err != nil {
		return err
	}
	// The id takes the time to the millisecond, so that webhooks created within one second
	// still list in creation order; the stored times need only whole seconds.
	created := s.now()
	now := created.UTC().Truncate(time.Second)
	hook := &shiftwire.Webhook{
		ID:                 shiftwire.NewID(created),
		TenantID:           c.tenant.ID,
		ClientID:           c.principal.ClientID,
		DestinationURL:     dest,
		Collection:         collection.Name,
		ExternalReferences: refs,
		BatchSize:          batchSize,
		LifecycleURL:       lifecycleURL,
		Key:                key,
		Status:             shiftwire.WebhookEnabled,
		CreatedAt:          now,
		ValidUntil:         now.Add(s.cfg.WebhookValidity),
	}
	if err := s.store.CreateWebhook(r.Context(), hook); err != nil {
		return err
	}
	// Only the destination's host is logged: the path and query of a receiver's URL often
	// hold a token of the receiver's own.
	s.log.InfoContext(r.Context(), "webhook created", "tenant", c.tenant.Name, "webhook", hook.ID,
		"collection", hook.Collection, "destinationHost", destinationHost(dest))
	w.Header().Set("Location", webhooksPath+"/"+hook.ID)
	writeJSON(w, http.StatusCreated, struct {
		ID  string `json:"id"`
		Key string `json:"key"`
		webhookJSON
	}{hook.ID, signing.EncodeKey(hook.Key.Reveal()), renderWebhook(hook, c.tenant)})
	return nil
}

// destinationHost returns the host and port of a validated destination URL.
func destinationHost(dest string) string {
	u, err := url.Parse(dest)
	if err != nil {
		return ""
	}
	return u.Host
}

// listWebhooks serves GET /webhooks?filter=...: the tenant's webhooks in creation order,
// 100 a page.
func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r.Context())
	q := r.URL.Query()
	match := func(*shiftwire.Webhook) bool { return true }
	if f := q.Get("filter"); f != "" {
		var err error
		if match, err = shiftwire.ParseWebhookFilter(f); err != nil {
			return err
		}
	}
	after, err := continuation(q)
	if err != nil {
		return err
	}
	// Filters may combine fields with or, so they are applied here, scanning the tenant's
	// webhooks in batches until a page is full.
	out := list[webhookJSON]{Value: []webhookJSON{}}
	for {
		batch, err := s.store.ListWebhooks(r.Context(), c.tenant.ID, after, 500)
		if err != nil {
			return err
		}
		for _, hook := range batch {
			if len(out.Value) == pageSize {
				out.NextLink = nextLink(r.URL, after)
				writeJSON(w, http.StatusOK, out)
				return nil
			}
			after = hook.ID
			if hook = hook.AsOf(s.now()); match(hook) {
				out.Value = append(out.Value, renderWebhook(hook, c.tenant))
			}
		}
		if len(batch) < 500 {
			break
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getWebhook serves GET /webhooks/{id}.
func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r.Context())
	hook, err := s.store.Webhook(r.Context(), c.tenant.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderWebhook(hook.AsOf(s.now()), c.tenant))
	return nil
}

// deleteWebhook serves DELETE /webhooks/{id}: a soft delete. Deliveries stop, the webhook
// stays readable as Disabled/Deleted and its debugging endpoints keep working.
func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r.Context())
	id := r.PathValue("id")
	hook, err := s.store.Webhook(r.Context(), c.tenant.ID, id)
	if err != nil {
		return err
	}
	// Like creating it, deleting a webhook needs the right to read its collection.
	if err := c.principal.RequireScope(shiftwire.ReadScope(hook.Collection)); err != nil {
		return err
	}
	disabled, err := s.store.DisableWebhook(r.Context(), c.tenant.ID, id, shiftwire.DisabledDeleted, s.now())
	if err != nil {
		return err
	}
	if disabled {
		s.log.InfoContext(r.Context(), "webhook deleted", "tenant", c.tenant.Name, "webhook", id)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

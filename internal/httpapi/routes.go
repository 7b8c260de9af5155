package httpapi

import (
	"net/http"

	"github.com/shiftwire/shiftwire"
)

// apiBase is the connector API's base path.
const apiBase = "/connector/protimeapi/api/v1/"

// routes is the whole API on one screen.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()

	// OAuth2 client credentials and OpenID discovery, per tenant.
	mux.Handle("POST /tenants/{tenant}/connect/token", s.handle(s.token))
	mux.Handle("GET /tenants/{tenant}/.well-known/openid-configuration", s.handle(s.discovery))
	mux.Handle("GET /tenants/{tenant}/.well-known/openid-configuration/jwks", s.handle(s.jwks))

	// Webhook management.
	mux.Handle("POST "+apiBase+"webhooks", s.connector(shiftwire.ScopeWebhooksWrite, s.createWebhook))
	mux.Handle("GET "+apiBase+"webhooks", s.connector(shiftwire.ScopeWebhooksRead, s.listWebhooks))
	mux.Handle("GET "+apiBase+"webhooks/{id}", s.connector(shiftwire.ScopeWebhooksRead, s.getWebhook))
	mux.Handle("DELETE "+apiBase+"webhooks/{id}", s.connector(shiftwire.ScopeWebhooksWrite, s.deleteWebhook))
	mux.Handle("GET "+apiBase+"webhooks/{id}/deliveries", s.connector(shiftwire.ScopeWebhooksRead, s.listDeliveries))
	mux.Handle("GET "+apiBase+"webhooks/{id}/deliveries/{deliveryId}", s.connector(shiftwire.ScopeWebhooksRead, s.getDelivery))
	mux.Handle("POST "+apiBase+"webhooks/{id}/ping", s.connector(shiftwire.ScopeWebhooksWrite, s.pingWebhook))
	mux.Handle("POST "+apiBase+"webhooks/{id}/retry", s.connector(shiftwire.ScopeWebhooksWrite, s.retryWebhook))
	mux.Handle("POST "+apiBase+"webhooks/{id}/deliveries/{deliveryId}/resend", s.connector(shiftwire.ScopeWebhooksWrite, s.resendDelivery))
	mux.Handle("POST "+apiBase+"webhooks/{id}/recover", s.connector(shiftwire.ScopeWebhooksWrite, s.recoverWebhook))
	mux.Handle("POST "+apiBase+"webhooks/{id}/rotate-key", s.connector(shiftwire.ScopeWebhooksWrite, s.rotateKey))
	s.collectionRoutes(mux)

	// Delta: the changes of a collection since a deltaToken; GET /{collection}?delta starts one.
	for _, t := range shiftwire.Collections() {
		mux.Handle("GET "+apiBase+"delta/"+t.Name, s.connector(shiftwire.ReadScope(t.Name), s.deltaChanges(t)))
	}

	// Operations.
	mux.Handle("GET /healthz", s.handle(s.healthz))
	mux.Handle("GET /readyz", s.handle(s.readyz))
	mux.Handle("GET /openapi.json", s.handle(s.openAPI))
	if s.metrics != nil {
		mux.Handle("GET /metrics", s.metrics)
	}
	return mux
}

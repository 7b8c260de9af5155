package httpapi

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"
)

// The issuer is the URL the client used, so that discovery documents fetched through a
// proxy or a tenant host name point back to where the client can reach them.
func TestIssuerURL(t *testing.T) {
	plain := httptest.NewRequest("GET", "http://acme.localhost:8080/x", nil)
	if got := issuerURL(plain, "acme"); got != "http://acme.localhost:8080/tenants/acme" {
		t.Errorf("plain: %q", got)
	}
	proxied := httptest.NewRequest("GET", "http://shiftwire.example.com/x", nil)
	proxied.Header.Set("X-Forwarded-Proto", "HTTPS")
	if got := issuerURL(proxied, "acme"); got != "https://shiftwire.example.com/tenants/acme" {
		t.Errorf("behind a TLS proxy: %q", got)
	}
	direct := httptest.NewRequest("GET", "https://shiftwire.example.com/x", nil)
	direct.TLS = &tls.ConnectionState{}
	if got := issuerURL(direct, "nyc"); got != "https://shiftwire.example.com/tenants/nyc" {
		t.Errorf("TLS: %q", got)
	}
}

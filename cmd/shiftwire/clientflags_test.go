package main

import (
	"strings"
	"testing"
)

func TestTenantHost(t *testing.T) {
	for _, tt := range []struct{ server, tenant, want string }{
		{"http://127.0.0.1:8080", "acme", "acme.localhost:8080"},
		{"http://localhost:8080", "demo", "demo.localhost:8080"},
		{"http://[::1]:9000", "acme", "acme.localhost:9000"},
		{"https://127.0.0.1", "acme", "acme.localhost"},
		{"https://acme.shiftwire.example", "acme", "acme.shiftwire.example"},
	} {
		var c clientConfig
		c.Server, c.Tenant = tt.server, tt.tenant
		if got := newAPIClient(c).host; got != tt.want {
			t.Errorf("%s tenant %s: Host %q, want %q", tt.server, tt.tenant, got, tt.want)
		}
	}
}

// FuzzClientFlags feeds the client flags anything: validate never panics, never repeats the
// secret, and a server it accepts yields a client with a Host header.
func FuzzClientFlags(f *testing.F) {
	f.Add("http://127.0.0.1:8080", "demo", "", "")
	f.Add("https://acme.shiftwire.example/", "acme", "id", "s3cret")
	f.Add("http://[::1]:x", "Acme", "", "s3cret")
	f.Add("ftp://user:pw@host/path?q", "-", "id", "")
	f.Fuzz(func(t *testing.T, server, tenant, id, secret string) {
		var c clientConfig
		c.Server, c.Tenant, c.ClientID = server, tenant, id
		c.ClientSecret.Set(secret)
		err := c.validate()
		if err != nil {
			if len(secret) >= 4 && strings.Contains(err.Error(), secret) && !strings.Contains(server+tenant+id, secret) {
				t.Fatalf("the error repeats the secret: %v", err)
			}
			return
		}
		if newAPIClient(c).host == "" {
			t.Fatalf("server %q tenant %q: no Host", server, tenant)
		}
	})
}

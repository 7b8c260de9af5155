package storetest

import (
	"context"
	"testing"

	"github.com/shiftwire/shiftwire"
)

func testTenants(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "acme")
	if a.ID == 0 || a.CreatedAt.IsZero() {
		t.Fatalf("CreateTenant did not set ID and CreatedAt: %+v", a)
	}
	wantCode(t, s.CreateTenant(ctx, &shiftwire.Tenant{Name: "acme", TimeZone: "UTC"}), shiftwire.EConflict)

	got, err := s.TenantByName(ctx, "acme")
	if err != nil || got.ID != a.ID || got.TimeZone != shiftwire.DefaultTimeZone || !got.CreatedAt.Equal(a.CreatedAt) {
		t.Fatalf("TenantByName = %+v, %v; want %+v", got, err, a)
	}
	byID, err := s.Tenant(ctx, a.ID)
	if err != nil || byID.Name != "acme" {
		t.Fatalf("Tenant(%d) = %+v, %v", a.ID, byID, err)
	}
	_, err = s.TenantByName(ctx, "nobody")
	wantCode(t, err, shiftwire.ENotFound)
	_, err = s.Tenant(ctx, a.ID+1000)
	wantCode(t, err, shiftwire.ENotFound)
}

func testClients(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "acme")
	b := mustTenant(t, s, "beta")
	c := &shiftwire.Client{ID: "sync", TenantID: a.ID, SecretHash: []byte("hash"), Scopes: []string{shiftwire.ScopeWebhooksRead, shiftwire.ScopeWebhooksWrite}}
	if err := s.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.CreateClient(ctx, &shiftwire.Client{ID: "sync", TenantID: a.ID, SecretHash: []byte("x"), Scopes: c.Scopes}), shiftwire.EConflict)
	// The same client id on another tenant is another client.
	if err := s.CreateClient(ctx, &shiftwire.Client{ID: "sync", TenantID: b.ID, SecretHash: []byte("other"), Scopes: c.Scopes[:1]}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Client(ctx, a.ID, "sync")
	if err != nil || string(got.SecretHash) != "hash" || len(got.Scopes) != 2 || got.Scopes[1] != shiftwire.ScopeWebhooksWrite {
		t.Fatalf("Client = %+v, %v", got, err)
	}
	got, err = s.Client(ctx, b.ID, "sync")
	if err != nil || string(got.SecretHash) != "other" || len(got.Scopes) != 1 {
		t.Fatalf("Client of the other tenant = %+v, %v", got, err)
	}
	_, err = s.Client(ctx, a.ID, "missing")
	wantCode(t, err, shiftwire.ENotFound)
}

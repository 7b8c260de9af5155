package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

func testListTenants(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	got, err := s.ListTenants(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("ListTenants of an empty store = %v, %v", got, err)
	}
	zeta := mustTenant(t, s, "zeta")
	acme := mustTenant(t, s, "acme")
	got, err = s.ListTenants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "acme" || got[1].Name != "zeta" {
		t.Fatalf("ListTenants = %+v, want acme then zeta", got)
	}
	if got[0].ID != acme.ID || got[1].ID != zeta.ID || got[0].TimeZone != shiftwire.DefaultTimeZone || !got[1].CreatedAt.Equal(zeta.CreatedAt) {
		t.Fatalf("ListTenants = %+v %+v, want %+v %+v", got[0], got[1], acme, zeta)
	}
}

func testListAndDeleteClients(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "acme")
	b := mustTenant(t, s, "beta")
	if got, err := s.ListClients(ctx, a.ID); err != nil || len(got) != 0 {
		t.Fatalf("ListClients of a tenant without clients = %v, %v", got, err)
	}
	scopes := []string{shiftwire.ScopeWebhooksRead, shiftwire.ReadScope(shiftwire.Clockings)}
	for _, c := range []*shiftwire.Client{
		{ID: "payroll", TenantID: a.ID, SecretHash: []byte("h1"), Scopes: scopes},
		{ID: "erp", TenantID: a.ID, SecretHash: []byte("h2"), Scopes: scopes[:1]},
		{ID: "erp", TenantID: b.ID, SecretHash: []byte("h3"), Scopes: scopes[1:]},
	} {
		if err := s.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ListClients(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "erp" || got[1].ID != "payroll" {
		t.Fatalf("ListClients = %+v, want erp then payroll of acme only", got)
	}
	for _, c := range got {
		if c.TenantID != a.ID || c.CreatedAt.IsZero() || len(c.SecretHash) != 0 {
			t.Errorf("listed client %+v: want acme's, with its creation time and no secret hash", c)
		}
	}
	if len(got[1].Scopes) != 2 || got[1].Scopes[1] != scopes[1] {
		t.Errorf("payroll's scopes = %q, want %q", got[1].Scopes, scopes)
	}

	// Deleting takes the client and its deltas, and nothing of another client or tenant.
	now := time.Now().UTC().Truncate(time.Millisecond)
	mine := &shiftwire.Delta{TenantID: a.ID, ClientID: "erp", Collection: shiftwire.Clockings, LastUsedAt: now}
	kept := &shiftwire.Delta{TenantID: b.ID, ClientID: "erp", Collection: shiftwire.Clockings, LastUsedAt: now}
	for _, d := range []*shiftwire.Delta{mine, kept} {
		if err := s.StartDelta(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteClient(ctx, a.ID, "erp"); err != nil {
		t.Fatalf("DeleteClient: %v", err)
	}
	_, err = s.Client(ctx, a.ID, "erp")
	wantCode(t, err, shiftwire.ENotFound)
	_, err = s.Delta(ctx, a.ID, mine.ID)
	wantCode(t, err, shiftwire.ENotFound)
	if _, err := s.Delta(ctx, b.ID, kept.ID); err != nil {
		t.Fatalf("the other tenant's delta went with the deleted client: %v", err)
	}
	if _, err := s.Client(ctx, b.ID, "erp"); err != nil {
		t.Fatalf("the other tenant's client of the same id went too: %v", err)
	}
	if got, err := s.ListClients(ctx, a.ID); err != nil || len(got) != 1 || got[0].ID != "payroll" {
		t.Fatalf("ListClients after the delete = %+v, %v", got, err)
	}
	wantCode(t, s.DeleteClient(ctx, a.ID, "erp"), shiftwire.ENotFound)
	wantCode(t, s.DeleteClient(ctx, a.ID+1000, "payroll"), shiftwire.ENotFound)
}

package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// clientTable is a ClientLookup over a set of tenant|client keys that counts its lookups.
type clientTable struct {
	mu      sync.Mutex
	exists  map[string]bool
	lookups int
	fail    error
}

func (c *clientTable) lookup(_ context.Context, tenant, client string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lookups++
	return c.exists[tenant+"|"+client], c.fail
}

func TestRequireClients(t *testing.T) {
	clk := newClock()
	i := NewIssuer(testSigningKey(1), clk.Now)
	table := &clientTable{exists: map[string]bool{"acme|client-1": true}}
	v := NewVerifier(i, nil).RequireClients(table.lookup, clk.Now)
	ctx := context.Background()
	tok := issue(t, i, "acme")

	// A client that exists: its token works, and is looked up once a ClientCheckInterval.
	for range 5 {
		if _, err := v.Verify(ctx, tok, "acme"); err != nil {
			t.Fatalf("token of an existing client: %v", err)
		}
	}
	if table.lookups != 1 {
		t.Fatalf("%d lookups for five requests within the interval, want 1", table.lookups)
	}

	// Deleted: still accepted within the interval, refused after it.
	table.mu.Lock()
	delete(table.exists, "acme|client-1")
	table.mu.Unlock()
	clk.Advance(ClientCheckInterval / 2)
	if _, err := v.Verify(ctx, tok, "acme"); err != nil {
		t.Fatalf("within the interval after the delete: %v", err)
	}
	clk.Advance(ClientCheckInterval / 2)
	_, err := v.Verify(ctx, tok, "acme")
	assertInvalidToken(t, err, descDeletedClient, tok)
	if table.lookups != 2 {
		t.Fatalf("%d lookups, want 2", table.lookups)
	}
	// Refused on every request from then on, each one asking again.
	_, err = v.Verify(ctx, tok, "acme")
	assertInvalidToken(t, err, descDeletedClient, tok)

	// A lookup that fails is a server failure, not a verdict on the token.
	table.mu.Lock()
	table.fail = errors.New("database is down")
	table.mu.Unlock()
	if _, err := v.Verify(ctx, tok, "acme"); err == nil || err.Error() != "database is down" {
		t.Fatalf("failing lookup: %v, want its error", err)
	}

	// Without RequireClients nothing is looked up.
	if _, err := NewVerifier(i, nil).Verify(ctx, tok, "acme"); err != nil {
		t.Fatal(err)
	}
}

package auth

import (
	"context"
	"sync"
	"time"
)

// ClientCheckInterval is how long a client found by a ClientLookup is taken to exist
// without asking again: the longest a deleted client's access tokens keep working on an
// instance.
const ClientCheckInterval = time.Second

// descDeletedClient tells the bearer of a token whose client was deleted why it stopped
// working.
const descDeletedClient = "the client of the access token no longer exists"

// clientCheckMax bounds the clients remembered at once; beyond it the memory starts over.
const clientCheckMax = 10000

// ClientLookup reports whether clientID is a client of the tenant called tenantName now.
type ClientLookup func(ctx context.Context, tenantName, clientID string) (bool, error)

// RequireClients makes v refuse the tokens of its own issuer whose client no longer
// exists, as after "shiftwire clients delete": a signed token would otherwise stay good
// until it expires, up to TokenLifetime later. A client found is remembered for
// ClientCheckInterval, so a busy client costs one lookup a second per instance. now is the
// clock (time.Now when nil). Tokens of an external provider name clients Shiftwire does not
// hold and are not checked. It returns v.
func (v *Verifier) RequireClients(lookup ClientLookup, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	v.clients = &clientCheck{lookup: lookup, now: now, seen: map[string]time.Time{}}
	return v
}

// clientCheck remembers when each client was last found.
type clientCheck struct {
	lookup ClientLookup
	now    func() time.Time

	mu   sync.Mutex
	seen map[string]time.Time // tenant|client -> when it was found
}

// check returns an invalid_token error when clientID is no client of tenantName, and the
// lookup's own error when it failed.
func (c *clientCheck) check(ctx context.Context, tenantName, clientID string) error {
	key := tenantName + "|" + clientID
	now := c.now()
	c.mu.Lock()
	found, ok := c.seen[key]
	c.mu.Unlock()
	if ok && now.Sub(found) < ClientCheckInterval && !now.Before(found) {
		return nil
	}
	exists, err := c.lookup(ctx, tenantName, clientID)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !exists {
		delete(c.seen, key)
		return invalidToken(descDeletedClient)
	}
	if len(c.seen) >= clientCheckMax {
		clear(c.seen)
	}
	c.seen[key] = now
	return nil
}

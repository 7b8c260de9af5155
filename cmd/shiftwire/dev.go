package main

import (
	"context"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/shiftwire/shiftwire"
)

// The tenant and client --dev creates.
const (
	devTenant       = "demo"
	devClientID     = "demo"
	devClientSecret = "demo-secret"
)

// setUpDev creates the demo tenant, its demo data and its client holding every scope, unless
// they exist.
func setUpDev(ctx context.Context, store shiftwire.Store, log *slog.Logger) error {
	tenant, err := store.TenantByName(ctx, devTenant)
	if shiftwire.ErrorCodeOf(err) == shiftwire.ENotFound {
		tenant = &shiftwire.Tenant{Name: devTenant, TimeZone: shiftwire.DefaultTimeZone}
		if err := store.CreateTenant(ctx, tenant); err != nil {
			return err
		}
		log.Info("dev: created tenant", "tenant", devTenant)
	} else if err != nil {
		return err
	}
	if err := seedDevData(ctx, store, tenant, time.Now()); err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}
	_, err = store.Client(ctx, tenant.ID, devClientID)
	if shiftwire.ErrorCodeOf(err) == shiftwire.ENotFound {
		if _, err := createClient(ctx, store, tenant, devClientID, devClientSecret, shiftwire.AllScopes()); err != nil {
			return err
		}
		log.Info("dev: created client", "clientId", devClientID)
	} else if err != nil {
		return err
	}
	return nil
}

// withoutDevClient returns store with the demo client hidden, for a server running without
// --dev: the demo client's secret is public, so it stays in the database after a dev run
// but opens nothing once --dev is off. Clients created with "shiftwire clients create" get
// random ids, so a client called demo is always the dev one.
func withoutDevClient(store shiftwire.Store) shiftwire.Store {
	return devClientHidden{store}
}

type devClientHidden struct{ shiftwire.Store }

func (s devClientHidden) Client(ctx context.Context, tenantID int64, clientID string) (*shiftwire.Client, error) {
	if clientID == devClientID {
		return nil, shiftwire.NotFound("client %q not found: it exists only with --dev", clientID)
	}
	return s.Store.Client(ctx, tenantID, clientID)
}

// devTokenKey returns the key that signs access tokens in dev mode, derived from the usual
// one: tokens issued while --dev is on, the demo client's among them, are not accepted by a
// server running without it on the same database, and the other way round.
func devTokenKey(key ed25519.PrivateKey) ed25519.PrivateKey {
	seed, err := hkdf.Key(sha256.New, key.Seed(), nil, "shiftwire dev access tokens", ed25519.SeedSize)
	if err != nil {
		// HKDF-SHA256 fails only for an output longer than 8160 bytes, never for a seed.
		panic("deriving the dev token signing key failed")
	}
	return ed25519.NewKeyFromSeed(seed)
}

// printDevHelp shows how to get a token from the dev server.
func printDevHelp(w io.Writer, addr string) {
	fmt.Fprintf(w, `dev mode: tenant %q, client %q with secret %q holding every scope.
Get a token:
  curl -s http://%s/tenants/%s/connect/token -d grant_type=client_credentials -d client_id=%s -d client_secret=%s
Console: http://%s/console/ (sign in with tenant %s, client %s, secret %s)
`, devTenant, devClientID, devClientSecret, addr, devTenant, devClientID, devClientSecret, addr, devTenant, devClientID, devClientSecret)
}

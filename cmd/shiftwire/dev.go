package main

import (
	"context"
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

// printDevHelp shows how to get a token from the dev server.
func printDevHelp(w io.Writer, addr string) {
	fmt.Fprintf(w, `dev mode: tenant %q, client %q with secret %q holding every scope.
Get a token:
  curl -s http://%s/tenants/%s/connect/token -d grant_type=client_credentials -d client_id=%s -d client_secret=%s
`, devTenant, devClientID, devClientSecret, addr, devTenant, devClientID, devClientSecret)
}

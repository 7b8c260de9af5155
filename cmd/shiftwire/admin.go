package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/auth"
)

// runMigrate applies the database migrations and exits.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	cfg.registerStoreFlags(fs)
	if _, err := parseFlags(fs, args, getenv, stderr); err != nil {
		return err
	}
	store, _, err := openStore(ctx, &cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintln(stdout, "migrations applied")
	return nil
}

// runTenantsCreate creates a tenant.
func runTenantsCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("tenants create", flag.ContinueOnError)
	cfg.registerStoreFlags(fs)
	tz := fs.String("timezone", shiftwire.DefaultTimeZone, "the tenant's IANA time zone")
	positional, err := parseFlags(fs, args, getenv, stderr)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		return errors.New("usage: shiftwire tenants create NAME [--timezone Europe/Brussels]")
	}
	tenant := &shiftwire.Tenant{Name: positional[0], TimeZone: *tz}
	if err := tenant.Validate(); err != nil {
		return err
	}
	store, _, err := openStore(ctx, &cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.CreateTenant(ctx, tenant); err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(map[string]any{"name": tenant.Name, "timezone": tenant.TimeZone})
}

// runClientsCreate creates an OAuth client and prints its id and secret, the only time the
// secret is shown.
func runClientsCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("clients create", flag.ContinueOnError)
	cfg.registerStoreFlags(fs)
	tenantName := fs.String("tenant", "", "the tenant the client belongs to")
	var scopes stringList
	fs.Var(&scopes, "scope", "space-separated scopes the client may request; may be repeated")
	positional, err := parseFlags(fs, args, getenv, stderr)
	if err != nil {
		return err
	}
	if len(positional) > 0 || *tenantName == "" {
		return errors.New(`usage: shiftwire clients create --tenant NAME --scope "SCOPE SCOPE ..."`)
	}
	store, _, err := openStore(ctx, &cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	tenant, err := store.TenantByName(ctx, *tenantName)
	if err != nil {
		return fmt.Errorf("tenant %q: %w", *tenantName, err)
	}
	id, err := auth.NewClientID()
	if err != nil {
		return err
	}
	secret, err := auth.NewClientSecret()
	if err != nil {
		return err
	}
	client, err := createClient(ctx, store, tenant, id, secret, scopes)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(struct {
		ClientID     string   `json:"clientId"`
		ClientSecret string   `json:"clientSecret"`
		Scopes       []string `json:"scopes"`
	}{client.ID, secret, client.Scopes})
}

// createClient stores a client with the hash of secret.
func createClient(ctx context.Context, store shiftwire.Store, tenant *shiftwire.Tenant, id, secret string, scopes []string) (*shiftwire.Client, error) {
	hash, err := auth.HashSecret(secret)
	if err != nil {
		return nil, err
	}
	client := &shiftwire.Client{ID: id, TenantID: tenant.ID, SecretHash: hash, Scopes: scopes}
	if err := client.Validate(); err != nil {
		return nil, err
	}
	return client, store.CreateClient(ctx, client)
}

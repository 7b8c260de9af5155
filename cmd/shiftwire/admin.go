package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/auth"
)

// runMigrate applies the database migrations and exits.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	cfg.registerStoreFlags(fs)
	if _, err := parseFlags(fs, args, getenv, stdout, stderr); err != nil {
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
	positional, err := parseFlags(fs, args, getenv, stdout, stderr)
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
	positional, err := parseFlags(fs, args, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	if len(positional) > 0 || *tenantName == "" {
		return errors.New(`usage: shiftwire clients create --tenant NAME --scope "SCOPE SCOPE ..."`)
	}
	if err := checkScopes(scopes); err != nil {
		return err
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

// checkScopes refuses scopes Shiftwire does not know, naming the ones it does, so that a
// typo is fixed from the message alone.
func checkScopes(scopes []string) error {
	var unknown []string
	for _, s := range scopes {
		if !shiftwire.IsKnownScope(s) {
			unknown = append(unknown, strconv.Quote(s))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	return fmt.Errorf("unknown scope %s; the valid scopes are:\n  %s", strings.Join(unknown, ", "), strings.Join(shiftwire.AllScopes(), "\n  "))
}

// runTenantsList prints the tenants, one a line, or as JSON with --json.
func runTenantsList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var asJSON *bool
	store, _, err := openForCommand(ctx, "tenants list", args, getenv, stdout, stderr, 0, func(fs *flag.FlagSet) func() bool {
		asJSON = fs.Bool("json", false, "print a JSON array instead of a table")
		return nil
	})
	if err != nil {
		return err
	}
	defer store.Close()
	tenants, err := store.ListTenants(ctx)
	if err != nil {
		return err
	}
	type row struct {
		Name     string    `json:"name"`
		Timezone string    `json:"timezone"`
		Created  time.Time `json:"created"`
	}
	rows := []row{}
	for _, t := range tenants {
		rows = append(rows, row{t.Name, t.TimeZone, t.CreatedAt})
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rows)
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tTIMEZONE\tCREATED")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%s\n", r.Name, r.Timezone, r.Created.Format(time.RFC3339))
	}
	return w.Flush()
}

// runClientsList prints the clients of one tenant, or of every tenant, without their
// secrets: only a hash of a secret is kept, and not even that is shown.
func runClientsList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var tenantName *string
	var asJSON *bool
	store, _, err := openForCommand(ctx, "clients list", args, getenv, stdout, stderr, 0, func(fs *flag.FlagSet) func() bool {
		tenantName = fs.String("tenant", "", "list the clients of this tenant only")
		asJSON = fs.Bool("json", false, "print a JSON array instead of a table")
		return nil
	})
	if err != nil {
		return err
	}
	defer store.Close()
	var tenants []*shiftwire.Tenant
	if *tenantName != "" {
		t, err := store.TenantByName(ctx, *tenantName)
		if err != nil {
			return fmt.Errorf("tenant %q: %w", *tenantName, err)
		}
		tenants = []*shiftwire.Tenant{t}
	} else if tenants, err = store.ListTenants(ctx); err != nil {
		return err
	}
	type row struct {
		ClientID string    `json:"clientId"`
		Tenant   string    `json:"tenant"`
		Scopes   []string  `json:"scopes"`
		Created  time.Time `json:"created"`
	}
	rows := []row{}
	for _, t := range tenants {
		clients, err := store.ListClients(ctx, t.ID)
		if err != nil {
			return err
		}
		for _, c := range clients {
			rows = append(rows, row{c.ID, t.Name, c.Scopes, c.CreatedAt})
		}
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rows)
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CLIENT ID\tTENANT\tCREATED\tSCOPES")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.ClientID, r.Tenant, r.Created.Format(time.RFC3339), strings.Join(r.Scopes, " "))
	}
	return w.Flush()
}

// runClientsDelete deletes a client. The access tokens it was issued stop working within
// auth.ClientCheckInterval on every running instance, since they check that their client
// still exists.
func runClientsDelete(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var tenantName *string
	store, positional, err := openForCommand(ctx, "clients delete", args, getenv, stdout, stderr, 1, func(fs *flag.FlagSet) func() bool {
		tenantName = fs.String("tenant", "", "the tenant the client belongs to (required)")
		return func() bool { return *tenantName != "" }
	})
	if err != nil {
		return err
	}
	defer store.Close()
	tenant, err := store.TenantByName(ctx, *tenantName)
	if err != nil {
		return fmt.Errorf("tenant %q: %w", *tenantName, err)
	}
	if err := store.DeleteClient(ctx, tenant.ID, positional[0]); err != nil {
		return fmt.Errorf("client %q of tenant %q: %w", positional[0], *tenantName, err)
	}
	fmt.Fprintf(stdout, "deleted client %s of tenant %s\n", positional[0], *tenantName)
	return nil
}

// openForCommand parses the flags of the admin command name, the store flags and those
// register adds, checks that it was given exactly nargs arguments and that the check
// register returns (when not nil) holds, and only then opens the store: a usage mistake
// never creates a database file.
func openForCommand(ctx context.Context, name string, args []string, getenv func(string) string, stdout, stderr io.Writer, nargs int, register func(*flag.FlagSet) (check func() bool)) (shiftwire.Store, []string, error) {
	cfg := defaultConfig()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	cfg.registerStoreFlags(fs)
	check := register(fs)
	positional, err := parseFlags(fs, args, getenv, stdout, stderr)
	if err != nil {
		return nil, nil, err
	}
	if len(positional) != nargs || (check != nil && !check()) {
		for _, c := range commands {
			if c.name == name {
				return nil, nil, fmt.Errorf("usage: shiftwire %s %s", name, c.synopsis)
			}
		}
		return nil, nil, fmt.Errorf("%s takes %d arguments, got %q", name, nargs, positional)
	}
	store, _, err := openStore(ctx, &cfg)
	if err != nil {
		return nil, nil, err
	}
	return store, positional, nil
}

package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// TestHelp runs -h and --help on every command: each exits 0 (run returns flag.ErrHelp,
// which main turns into status 0) and lists every flag with its SHIFTWIRE_* variable.
func TestHelp(t *testing.T) {
	flagLine := regexp.MustCompile(`(?m)^  --([a-z0-9-]+)`)
	for _, c := range commands {
		if c.name == "version" {
			continue
		}
		for _, h := range []string{"-h", "--help"} {
			t.Run(c.name+" "+h, func(t *testing.T) {
				help, stderr, err := runCmd(t, nil, append(strings.Fields(c.name), h)...)
				if !errors.Is(err, flag.ErrHelp) {
					t.Fatalf("%s %s: %v, want flag.ErrHelp", c.name, h, err)
				}
				if stderr != "" {
					t.Errorf("%s %s wrote to stderr, want help on stdout only:\n%s", c.name, h, stderr)
				}
				var buf bytes.Buffer
				if code := exitCode(err, &buf); code != 0 || buf.Len() != 0 {
					t.Fatalf("exit status %d and %q for -h, want 0 and nothing", code, buf.String())
				}
				if !strings.HasPrefix(help, "Usage: shiftwire "+c.name+" ") {
					t.Errorf("help does not start with the synopsis:\n%s", help)
				}
				flags := flagLine.FindAllStringSubmatch(help, -1)
				if len(flags) == 0 {
					t.Fatalf("help lists no flag:\n%s", help)
				}
				for _, f := range flags {
					env := envName(f[1])
					if c.name == "bench" {
						if strings.Contains(help, env) {
							t.Errorf("bench reads no SHIFTWIRE_* variable, but its help names %s", env)
						}
					} else if !strings.Contains(help, "env "+env+"\n") {
						t.Errorf("--%s is listed without its variable %s:\n%s", f[1], env, help)
					}
				}
			})
		}
	}
	// The flags of serve that the README names are all there.
	serveHelp, _, _ := runCmd(t, nil, "serve", "-h")
	for _, f := range []string{"addr", "db", "database-url", "master-key", "dev", "base-domain", "default-tenant", "oidc-issuer", "rate-limit"} {
		if !strings.Contains(serveHelp, "  --"+f+" ") && !strings.Contains(serveHelp, "  --"+f+"\n") {
			t.Errorf("serve -h does not list --%s", f)
		}
	}
	// A group without a subcommand shows its subcommands; help is asked for, so status 0.
	out, _, err := runCmd(t, nil, "clients", "--help")
	if err != nil || !strings.Contains(out, "shiftwire clients delete CLIENT_ID") {
		t.Errorf("clients --help: %v\n%s", err, out)
	}
	var buf bytes.Buffer
	if code := exitCode(errors.New("boom"), &buf); code != 2 || !strings.Contains(buf.String(), "shiftwire: boom") {
		t.Errorf("an error exits %d with %q, want 2 and the error", code, buf.String())
	}
}

func TestVersion(t *testing.T) {
	out, _, err := runCmd(t, nil, "version")
	if err != nil || !strings.HasPrefix(out, "shiftwire "+version+" go") {
		t.Fatalf("version: %v, printed %q", err, out)
	}
}

func TestTenantsAndClientsList(t *testing.T) {
	db := tempDB(t)
	out := admin(t, db, "tenants", "list")
	if strings.TrimSpace(out) != "NAME  TIMEZONE  CREATED" {
		t.Errorf("tenants list of an empty database printed %q", out)
	}
	createTenant(t, db, "nyc", "America/New_York")
	createTenant(t, db, "acme", "")
	var tenants []struct {
		Name, Timezone string
		Created        time.Time
	}
	if err := json.Unmarshal([]byte(admin(t, db, "tenants", "list", "--json")), &tenants); err != nil {
		t.Fatal(err)
	}
	if len(tenants) != 2 || tenants[0].Name != "acme" || tenants[1].Timezone != "America/New_York" || tenants[0].Created.IsZero() {
		t.Fatalf("tenants list --json = %+v", tenants)
	}
	if out := admin(t, db, "tenants", "list"); !regexp.MustCompile(`(?m)^acme +Europe/Brussels +20\d\d-`).MatchString(out) {
		t.Errorf("tenants list table:\n%s", out)
	}

	a := addClient(t, db, "acme", shiftwire.ScopeWebhooksRead, shiftwire.ReadScope(shiftwire.Clockings))
	n := addClient(t, db, "nyc", shiftwire.ScopeWebhooksWrite)
	type row struct {
		ClientID string    `json:"clientId"`
		Tenant   string    `json:"tenant"`
		Scopes   []string  `json:"scopes"`
		Created  time.Time `json:"created"`
	}
	var rows []row
	all := admin(t, db, "clients", "list", "--json")
	if err := json.Unmarshal([]byte(all), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].ClientID != a.ClientID || rows[0].Tenant != "acme" || len(rows[0].Scopes) != 2 ||
		rows[1].ClientID != n.ClientID || rows[1].Tenant != "nyc" || rows[1].Created.IsZero() {
		t.Fatalf("clients list --json = %+v", rows)
	}
	table := admin(t, db, "clients", "list", "--tenant", "nyc")
	if !strings.Contains(table, n.ClientID) || strings.Contains(table, a.ClientID) || !strings.Contains(table, shiftwire.ScopeWebhooksWrite) {
		t.Errorf("clients list --tenant nyc:\n%s", table)
	}
	for _, out := range []string{all, table, admin(t, db, "clients", "list")} {
		if strings.Contains(out, a.ClientSecret) || strings.Contains(out, n.ClientSecret) || strings.Contains(strings.ToLower(out), "secret") {
			t.Errorf("clients list shows a secret:\n%s", out)
		}
	}
	if _, _, err := runCmd(t, nil, "clients", "list", "--tenant", "nobody", "--db", db); err == nil || !strings.Contains(err.Error(), `tenant "nobody"`) {
		t.Errorf("clients list of an unknown tenant: %v", err)
	}
}

func TestClientsCreateUnknownScopeNamesTheValidOnes(t *testing.T) {
	db := tempDB(t)
	createTenant(t, db, "acme", "")
	_, _, err := runCmd(t, nil, "clients", "create", "--db", db, "--tenant", "acme", "--scope", "connector-protimeapi-clocking.read "+shiftwire.ScopeWebhooksRead)
	if err == nil {
		t.Fatal("a client with an unknown scope was created")
	}
	for _, want := range append([]string{`unknown scope "connector-protimeapi-clocking.read"`, "valid scopes"}, shiftwire.AllScopes()...) {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not mention %q:\n%v", want, err)
		}
	}
	if out := admin(t, db, "clients", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("a client was stored anyway: %s", out)
	}
}

// TestClientsDelete deletes a client while the server runs: its token stops working within
// auth.ClientCheckInterval, and it gets no new one; the other client is untouched.
func TestClientsDelete(t *testing.T) {
	db := tempDB(t)
	createTenant(t, db, "acme", "")
	checkClientsDelete(t, []string{"--db", db}, func(scopes ...string) testClient { return addClient(t, db, "acme", scopes...) },
		func() *testServer { return startServer(t, db) })
}

// TestClientsDeletePostgres is TestClientsDelete on PostgreSQL, run when TEST_DATABASE_URL
// is set.
func TestClientsDeletePostgres(t *testing.T) {
	key := make([]byte, 32)
	rand.Read(key)
	store := []string{"--database-url", pgTestSchema(t), "--master-key", base64.StdEncoding.EncodeToString(key)}
	if _, errOut, err := runCmd(t, nil, append([]string{"tenants", "create", "acme"}, store...)...); err != nil {
		t.Fatalf("tenants create: %v\n%s", err, errOut)
	}
	add := func(scopes ...string) testClient {
		out, errOut, err := runCmd(t, nil, append([]string{"clients", "create", "--tenant", "acme", "--scope", strings.Join(scopes, " ")}, store...)...)
		c := testClient{Tenant: "acme"}
		if err != nil || json.Unmarshal([]byte(out), &c) != nil {
			t.Fatalf("clients create: %v %q\n%s", err, out, errOut)
		}
		return c
	}
	checkClientsDelete(t, store, add, func() *testServer {
		return startServerEnv(t, nil, append([]string{"--addr", "127.0.0.1:0"}, store...)...)
	})
}

// checkClientsDelete runs TestClientsDelete on the database that the flags store name, with
// tenant acme in it; add creates a client of acme, start starts a server on the database.
func checkClientsDelete(t *testing.T, store []string, add func(scopes ...string) testClient, start func() *testServer) {
	gone := add(shiftwire.ScopeWebhooksRead)
	kept := add(shiftwire.ScopeWebhooksRead)
	s := start()
	goneToken, keptToken := s.token(gone), s.token(kept)
	list := func(token string) *apiResponse {
		return s.do(apiRequest{method: http.MethodGet, path: "/connector/protimeapi/api/v1/webhooks", host: acmeHost, token: token})
	}
	list(goneToken).wantStatus(t, http.StatusOK)

	out, errOut, err := runCmd(t, nil, append([]string{"clients", "delete", gone.ClientID, "--tenant", "acme"}, store...)...)
	if err != nil || !strings.Contains(out, "deleted client "+gone.ClientID) {
		t.Fatalf("clients delete: %v, printed %q\n%s", err, out, errOut)
	}
	waitFor(t, 10*time.Second, "the deleted client's token to be refused", func() bool { return list(goneToken).status == http.StatusUnauthorized })
	resp := list(goneToken)
	resp.wantChallenge(t, `Bearer error="invalid_token"`)
	if !strings.Contains(resp.header.Get("WWW-Authenticate"), "no longer exists") {
		t.Errorf("WWW-Authenticate %q does not say why", resp.header.Get("WWW-Authenticate"))
	}
	if r := s.postForm("/tenants/acme/connect/token", map[string][]string{"grant_type": {"client_credentials"},
		"client_id": {gone.ClientID}, "client_secret": {gone.ClientSecret}}, nil); r.status == http.StatusOK {
		t.Error("the deleted client got a new token")
	}
	list(keptToken).wantStatus(t, http.StatusOK)

	_, _, err = runCmd(t, nil, append([]string{"clients", "delete", gone.ClientID, "--tenant", "acme"}, store...)...)
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("deleting it again: %v, want not found", err)
	}
	if _, _, err := runCmd(t, nil, append([]string{"clients", "delete", "--tenant", "acme"}, store...)...); err == nil || !strings.Contains(err.Error(), "usage: shiftwire clients delete") {
		t.Errorf("delete without an id: %v", err)
	}
}

// TestServeFreshDatabaseSaysWhatToDo starts serve without --dev on a database without
// tenants: its log names the commands that create the first tenant and client.
func TestServeFreshDatabaseSaysWhatToDo(t *testing.T) {
	db := tempDB(t)
	s := startServer(t, db)
	s.stop()
	log := s.stderr.String()
	for _, want := range []string{"no tenant yet", "shiftwire tenants create acme --db " + db, "shiftwire clients create --tenant acme --scope",
		"/tenants/acme/connect/token", "Host: acme.localhost:"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %q:\n%s", want, log)
		}
	}

	// Once a tenant exists, it says nothing of the kind.
	createTenant(t, db, "acme", "")
	s = startServer(t, db)
	s.stop()
	if strings.Contains(s.stderr.String(), "no tenant yet") {
		t.Errorf("serve with a tenant still explains how to create one:\n%s", s.stderr)
	}
}

package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// The tests in this file check what an operator relies on: dev mode stays on a developer's
// machine, the files and the logs.

func TestDevNeedsLoopbackAddr(t *testing.T) {
	for _, tt := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:8080", true},
		{"127.0.0.2:0", true},
		{"[::1]:8080", true},
		{"localhost:8080", true},
		{"0.0.0.0:8080", false},
		{":8080", false},
		{"[::]:8080", false},
		{"192.168.1.10:8080", false},
		{"shiftwire.example.com:8080", false},
	} {
		cfg := defaultConfig()
		cfg.Dev, cfg.Addr = true, tt.addr
		cfg.applyDev()
		err := cfg.Validate()
		if tt.ok && err != nil {
			t.Errorf("--dev --addr %s: %v", tt.addr, err)
		}
		if !tt.ok && (err == nil || !strings.Contains(err.Error(), "loopback")) {
			t.Errorf("--dev --addr %s: %v, want an error naming loopback", tt.addr, err)
		}
		// Without --dev every address is the operator's choice.
		cfg = defaultConfig()
		cfg.Addr = tt.addr
		if err := cfg.Validate(); err != nil {
			t.Errorf("--addr %s without --dev: %v", tt.addr, err)
		}
	}

	// serve refuses to start, before it opens the database.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	err := run(ctx, []string{"serve", "--dev", "--addr", "0.0.0.0:0", "--db", tempDB(t)}, env{}.getenv, &syncBuffer{}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "--dev") || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("serve --dev --addr 0.0.0.0:0: %v, want a refusal naming --dev and loopback", err)
	}
}

// TestDemoClientOnlyInDev: the demo client's well-known secret, and the tokens issued for it,
// are accepted while the server runs with --dev, and refused by the same database served
// without it.
func TestDemoClientOnlyInDev(t *testing.T) {
	db := tempDB(t)
	demo := testClient{Tenant: devTenant, ClientID: devClientID, ClientSecret: devClientSecret}
	listWebhooks := func(s *testServer, token string) *apiResponse {
		return s.do(apiRequest{method: http.MethodGet, path: webhooksPath, host: "demo.localhost", token: token})
	}

	dev := startServer(t, db, "--dev")
	devToken := dev.tokenFor(demo)
	listWebhooks(dev, devToken).wantStatus(t, http.StatusOK)
	dev.stop()

	prod := startServer(t, db)
	prod.postForm("/tenants/demo/connect/token", tokenForm(demo), nil).wantOAuthError(t, http.StatusUnauthorized, "invalid_client")
	listWebhooks(prod, devToken).wantStatus(t, http.StatusUnauthorized)
	// A client the operator created in the same tenant works.
	other := addClient(t, db, devTenant, shiftwire.ScopeWebhooksRead)
	listWebhooks(prod, prod.tokenFor(other)).wantStatus(t, http.StatusOK)
	prod.stop()

	dev = startServer(t, db, "--dev")
	listWebhooks(dev, dev.tokenFor(demo)).wantStatus(t, http.StatusOK)
}

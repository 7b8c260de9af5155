package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
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

// TestLogsAreJSON: without --dev every line serve prints, on stdout and on stderr, from the
// start-up line to the last line of its shutdown, is a JSON log record, and durations in
// them are readable.
func TestLogsAreJSON(t *testing.T) {
	s := startServer(t, tempDB(t), "--shutdown-timeout", "15s")
	s.do(apiRequest{method: http.MethodGet, path: "/healthz"}).wantStatus(t, http.StatusOK)
	s.do(apiRequest{method: http.MethodGet, path: webhooksPath, host: "nobody.localhost"})
	s.stop()

	var addr, shutdownTimeout any
	lines := strings.Split(s.firstLine+"\n"+s.stdout.String()+s.stderr.String(), "\n")
	for _, line := range lines {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("not a JSON line: %q", line)
			continue
		}
		for _, key := range []string{"time", "level", "msg"} {
			if _, ok := rec[key]; !ok {
				t.Errorf("line without %s: %s", key, line)
			}
		}
		switch rec["msg"] {
		case "shiftwire listening":
			addr = rec["addr"]
		case "shutting down":
			shutdownTimeout = rec["timeout"]
		}
	}
	if addr != s.addr {
		t.Errorf("the start-up line names address %v, want %s", addr, s.addr)
	}
	if shutdownTimeout != "15s" {
		t.Errorf(`the shutdown line's timeout is %#v, want "15s"`, shutdownTimeout)
	}
}

// TestLoggerDurations: the one logger serve builds writes durations in readable units, as
// JSON and as dev mode's text, also inside groups.
func TestLoggerDurations(t *testing.T) {
	for _, tt := range []struct {
		dev  bool
		want []string
	}{
		{false, []string{`"timeout":"15s"`, `"retry":{"after":"1.5s"}`, `"n":3`}},
		{true, []string{`timeout=15s`, `retry.after=1.5s`, `n=3`}},
	} {
		var buf bytes.Buffer
		newLogger(tt.dev, &buf).Info("x", "timeout", 15*time.Second, slog.Group("retry", slog.Duration("after", 1500*time.Millisecond)), "n", 3)
		for _, want := range tt.want {
			if !strings.Contains(buf.String(), want) {
				t.Errorf("dev %v: %q lacks %s", tt.dev, buf.String(), want)
			}
		}
	}
}

// scrapeMetrics returns the status and body of GET /metrics at addr.
func scrapeMetrics(t *testing.T, addr string) (int, string) {
	t.Helper()
	return httpGet(t, "http://"+addr+"/metrics")
}

// httpGet returns the status and body of GET url.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// sample returns the value of the series named series in a scrape's body.
func sample(t *testing.T, body, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("no %s in\n%s", series, body)
	return 0
}

// TestMetricsAddr: --metrics-addr serves /metrics on a listener of its own, which the
// start-up line names, and takes it off the API's.
func TestMetricsAddr(t *testing.T) {
	s := startServer(t, tempDB(t), "--metrics-addr", "127.0.0.1:0")
	var start struct{ MetricsAddr string }
	if err := json.Unmarshal([]byte(s.firstLine), &start); err != nil || start.MetricsAddr == "" || start.MetricsAddr == s.addr {
		t.Fatalf("the start-up line %s names no metrics address of its own (%v)", s.firstLine, err)
	}
	if status, _ := scrapeMetrics(t, s.addr); status != http.StatusNotFound {
		t.Errorf("/metrics on the API listener: %d, want 404", status)
	}
	status, body := scrapeMetrics(t, start.MetricsAddr)
	if status != http.StatusOK || !strings.Contains(body, "shiftwire_changes_committed_total") || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("/metrics on --metrics-addr: %d\n%s", status, body)
	}
	// The gauges read from the database appear once the read made at start-up is done.
	waitFor(t, 10*time.Second, "the backlog gauge", func() bool {
		_, body := scrapeMetrics(t, start.MetricsAddr)
		return strings.Contains(body, `shiftwire_backlog_events{state="pending"} 0`)
	})
	if status, _ := httpGet(t, "http://"+start.MetricsAddr+"/healthz"); status != http.StatusNotFound {
		t.Errorf("the metrics listener serves more than /metrics: /healthz is %d", status)
	}

	// A scrape runs no SQL: 20 scrapes of an idle server add fewer statements than the 40 a
	// backlog and a webhook count per scrape would.
	_, body = scrapeMetrics(t, start.MetricsAddr)
	before := sample(t, body, "shiftwire_db_statements_total")
	for range 20 {
		_, body = scrapeMetrics(t, start.MetricsAddr)
	}
	if n := sample(t, body, "shiftwire_db_statements_total") - before; n >= 20 {
		t.Errorf("20 scrapes ran %v SQL statements", n)
	}

	// The gauges are read at most once a second.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := run(ctx, []string{"serve", "--db", tempDB(t), "--addr", "127.0.0.1:0", "--metrics-interval", "100ms"}, env{}.getenv, &syncBuffer{}, &syncBuffer{}); err == nil || !strings.Contains(err.Error(), "--metrics-interval") {
		t.Errorf("--metrics-interval 100ms: %v, want an error naming it", err)
	}

	// Without the flag, /metrics is on the API listener, and the start-up line names no other.
	s = startServer(t, tempDB(t))
	if status, _ := scrapeMetrics(t, s.addr); status != http.StatusOK {
		t.Errorf("/metrics without --metrics-addr: %d, want 200", status)
	}
	if strings.Contains(s.firstLine, "metricsAddr") {
		t.Errorf("start-up line %s names a metrics address without --metrics-addr", s.firstLine)
	}
}

// TestReadmeListsServeFlags: the README's configuration table has a row for every flag
// serve -h lists.
func TestReadmeListsServeFlags(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaultConfig()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.registerServeFlags(fs)
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(string(readme), "\n| `--"+f.Name+"` |") {
			t.Errorf("README's configuration table has no row for --%s", f.Name)
		}
	})
}

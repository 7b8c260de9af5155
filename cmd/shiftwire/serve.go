package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/auth"
	"github.com/shiftwire/shiftwire/internal/delivery"
	"github.com/shiftwire/shiftwire/internal/httpapi"
	"github.com/shiftwire/shiftwire/internal/masterkey"
	"github.com/shiftwire/shiftwire/internal/metrics"
)

// runServe runs the API server until ctx is cancelled, then shuts down gracefully.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return serve(ctx, time.Now, args, getenv, stdout, stderr)
}

// serve is runServe with the clock every part of the server reads, the store's included:
// tests move it by hand to reach retries, expiry and notices without waiting for them.
func serve(ctx context.Context, now func() time.Time, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.registerServeFlags(fs)
	positional, err := parseFlags(fs, args, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", positional)
	}
	cfg.applyDev()
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := newLogger(cfg.Dev, stderr)

	store, master, err := openStore(ctx, &cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if clocked, ok := store.(interface{ SetClock(func() time.Time) }); ok {
		clocked.SetClock(now)
	}
	if logging, ok := store.(interface{ SetLogger(*slog.Logger) }); ok {
		logging.SetLogger(log)
	}

	m := metrics.New(store)
	engine := delivery.New(delivery.Config{
		Concurrency:    cfg.DeliveryConcurrency,
		Timeout:        cfg.DeliveryTimeout,
		Lease:          cfg.DeliveryLease,
		DisableAfter:   cfg.DisableAfter,
		Retention:      cfg.DeliveryLogRetention,
		ExpiryNotice:   cfg.ExpiryNotice,
		AllowPrivate:   cfg.AllowPrivateDestinations,
		SingleInstance: cfg.DatabaseURL == "",
		UserAgent:      "Shiftwire/" + version,
	}, delivery.Deps{
		Store:         store,
		AddReferences: shiftwire.AddExternalReferences,
		Observer:      m,
		Logger:        log,
		Now:           now,
	})

	tokenKey := masterkey.TokenSigningKey(master)
	apiStore := store
	if cfg.Dev {
		tokenKey = devTokenKey(tokenKey)
	} else {
		apiStore = withoutDevClient(store)
	}
	issuer := auth.NewIssuer(tokenKey, now)
	var external *auth.External
	if cfg.OIDCIssuer != "" {
		external, err = auth.NewExternal(auth.ExternalConfig{Issuer: cfg.OIDCIssuer, Audience: cfg.OIDCAudience, AllowHTTP: cfg.Dev})
		if err != nil {
			return err
		}
	}
	var apiMetrics http.Handler // nil: /metrics is on its own listener
	if cfg.MetricsAddr == "" {
		apiMetrics = m.Handler()
	}
	api := httpapi.New(httpapi.Config{
		BaseDomain:      cfg.BaseDomain,
		DefaultTenant:   cfg.DefaultTenant,
		WebhookValidity: cfg.WebhookValidity,
		KeyOverlap:      cfg.KeyOverlap,
		Retention:       cfg.DeliveryLogRetention,
		Destinations: shiftwire.DestinationPolicy{
			AllowInsecure: cfg.AllowInsecureDestinations,
			AllowPrivate:  cfg.AllowPrivateDestinations,
		},
		RateLimit:      cfg.RateLimit,
		RateBurst:      cfg.RateBurst,
		TokenRateLimit: cfg.TokenRateLimit,
	}, httpapi.Deps{
		Store:    metrics.CountChanges(apiStore, m),
		Metrics:  apiMetrics,
		Engine:   engine,
		Issuer:   issuer,
		Verifier: auth.NewVerifier(issuer, external).RequireClients(clientLookup(apiStore), now),
		Logger:   log,
		Now:      now,
	})

	consoleCtx, stopConsole := context.WithCancel(context.WithoutCancel(ctx))
	defer stopConsole()
	web, err := startConsole(consoleCtx, &cfg, store, master, api, now, log)
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}

	if cfg.Dev {
		if err := setUpDev(ctx, store, log); err != nil {
			return fmt.Errorf("dev set-up: %w", err)
		}
	}

	// The backlog and webhook gauges are read in the background, so a scrape reads no
	// database; the first read starts now.
	gaugesCtx, stopGauges := context.WithCancel(context.WithoutCancel(ctx))
	defer stopGauges()
	gaugesTicker := time.NewTicker(cfg.MetricsInterval)
	defer gaugesTicker.Stop()
	go m.Run(gaugesCtx, gaugesTicker.C, now, log)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	var metricsLn net.Listener
	if cfg.MetricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
	}
	srv := &http.Server{
		Handler:           withPprof(withConsole(api, web), cfg.Pprof),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	addr := ln.Addr().String()
	started := []any{"addr", addr, "url", "http://" + addr}
	if metricsLn != nil {
		started = append(started, "metricsAddr", metricsLn.Addr().String())
	}
	log.Info("listening", append(started, "store", storeKind(&cfg), "dev", cfg.Dev)...)
	if cfg.Dev {
		fmt.Fprintf(stdout, "%s%s\n", listeningPrefix, addr)
		if metricsLn != nil {
			fmt.Fprintf(stdout, "metrics on http://%s/metrics\n", metricsLn.Addr())
		}
		printDevHelp(stdout, addr)
	} else {
		// Every line is JSON without --dev, this one too: log collectors read stdout and
		// stderr alike.
		newLogger(false, stdout).Info("shiftwire listening", started...)
	}
	if !cfg.Dev {
		if err := explainFreshDatabase(ctx, store, &cfg, addr, log); err != nil {
			return err
		}
	}

	engineCtx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
	defer stopEngine()
	engineDone := make(chan error, 1)
	go func() { engineDone <- engine.Run(engineCtx) }()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	var metricsSrv *http.Server
	metricsErr := make(chan error, 1)
	if metricsLn != nil {
		metricsSrv = newMetricsServer(m.Handler(), log)
		defer metricsSrv.Close()
		go func() { metricsErr <- metricsSrv.Serve(metricsLn) }()
	}
	select {
	case err := <-serveErr:
		return err
	case err := <-metricsErr:
		return fmt.Errorf("metrics listener: %w", err)
	case err := <-engineDone:
		return fmt.Errorf("delivery engine: %w", err)
	case <-ctx.Done():
	}

	// Stop taking requests, then stop claiming deliveries and let the attempts in flight
	// finish and be recorded; both bounded by the shutdown timeout.
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("requests still in flight at shutdown", "err", err)
	}
	stopEngine()
	select {
	case err := <-engineDone:
		if err != nil {
			return err
		}
	case <-shutdownCtx.Done():
		log.Warn("deliveries still in flight at shutdown; they will be retried")
	}
	// Metrics stay on their own listener until the deliveries in flight are recorded.
	if metricsSrv != nil {
		if err := metricsSrv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("metrics scrapes still in flight at shutdown", "err", err)
		}
	}
	log.Info("stopped")
	return nil
}

// newMetricsServer serves GET /metrics alone, for --metrics-addr.
func newMetricsServer(metrics http.Handler, log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// withPprof serves Go's runtime profiles under /debug/pprof/ beside h when on, and only to
// loopback clients: a profile shows what the process is doing, which is not for the network.
func withPprof(h http.Handler, on bool) http.Handler {
	if !on {
		return h
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/debug/pprof/") {
			h.ServeHTTP(w, r)
			return
		}
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			http.NotFound(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// newLogger logs JSON lines, or readable text in dev mode, with durations in readable units
// ("15s", "1.5ms") instead of JSON's nanoseconds. It is the only place a logger is built.
func newLogger(dev bool, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo, ReplaceAttr: readableDuration}
	if dev {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// readableDuration writes a duration as its String form.
func readableDuration(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(a.Value.Duration().String())
	}
	return a
}

// listeningPrefix starts the line serve prints first on stdout in dev mode.
const listeningPrefix = "shiftwire listening on http://"

// listeningAddr returns the address in the first line serve prints on stdout: in dev mode
// "shiftwire listening on http://ADDR", otherwise a JSON log record whose msg is
// "shiftwire listening" and whose addr is ADDR. Scripts and tests that start serve on port 0
// read it to learn the port.
func listeningAddr(line string) (string, bool) {
	line = strings.TrimSpace(line)
	if addr, ok := strings.CutPrefix(line, listeningPrefix); ok {
		return addr, addr != ""
	}
	var rec struct{ Msg, Addr string }
	if json.Unmarshal([]byte(line), &rec) != nil || rec.Msg != "shiftwire listening" {
		return "", false
	}
	return rec.Addr, rec.Addr != ""
}

func storeKind(cfg *Config) string {
	if cfg.DatabaseURL != "" {
		return "postgres"
	}
	return "sqlite"
}

// clientLookup reports whether a client exists in store, for the Verifier to refuse the
// tokens of a deleted client.
func clientLookup(store shiftwire.Store) auth.ClientLookup {
	return func(ctx context.Context, tenantName, clientID string) (bool, error) {
		tenant, err := store.TenantByName(ctx, tenantName)
		if shiftwire.ErrorCodeOf(err) == shiftwire.ENotFound {
			return false, nil
		} else if err != nil {
			return false, err
		}
		_, err = store.Client(ctx, tenant.ID, clientID)
		if shiftwire.ErrorCodeOf(err) == shiftwire.ENotFound {
			return false, nil
		}
		return err == nil, err
	}
}

// explainFreshDatabase logs, when the database has no tenant yet, the commands that create
// the first tenant and client and get a token: without --dev a fresh server answers every
// request with 404 until they are run. It never shows the database URL or master key.
func explainFreshDatabase(ctx context.Context, store shiftwire.Store, cfg *Config, addr string, log *slog.Logger) error {
	tenants, err := store.ListTenants(ctx)
	if err != nil || len(tenants) > 0 {
		return err
	}
	db := "--db " + cfg.DBPath
	if cfg.DatabaseURL != "" {
		db = "--database-url postgres://... --master-key ..."
	}
	scopes := strings.Join([]string{shiftwire.ScopeWebhooksRead, shiftwire.ScopeWebhooksWrite,
		shiftwire.ReadScope(shiftwire.Clockings), shiftwire.WriteScope(shiftwire.Clockings)}, " ")
	log.Warn("no tenant yet: create one and a client, then get a token (or run serve --dev for a demo tenant and client)",
		"step1", "shiftwire tenants create acme "+db,
		"step2", fmt.Sprintf("shiftwire clients create --tenant acme --scope %q %s", scopes, db),
		"step3", fmt.Sprintf("curl -s http://%s/tenants/acme/connect/token -d grant_type=client_credentials -d client_id=CLIENT_ID -d client_secret=CLIENT_SECRET", addr),
		"step4", fmt.Sprintf("curl -s -H 'Host: acme.%s' -H 'Authorization: Bearer TOKEN' http://%s/connector/protimeapi/api/v1/webhooks", hostWithPort(cfg.BaseDomain, addr), addr))
	return nil
}

// hostWithPort is domain with the port of the listen address addr.
func hostWithPort(domain, addr string) string {
	if _, port, err := net.SplitHostPort(addr); err == nil {
		return net.JoinHostPort(domain, port)
	}
	return domain
}

package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/console"
)

// consoleSampleEvery is how often the console samples every webhook's backlog for its
// charts: 120 points an hour, for one grouped read of the delivery queue each.
const consoleSampleEvery = 30 * time.Second

// startConsole builds the web console on the API's handler and samples the backlog for its
// charts until ctx ends. The stores read the stats the API does not show; a store without
// them (none today) leaves the stats and charts out.
func startConsole(ctx context.Context, cfg *Config, store shiftwire.Store, master shiftwire.Secret, api http.Handler, now func() time.Time, log *slog.Logger) (http.Handler, error) {
	deps := console.Deps{API: api, MasterKey: master, Logger: log}
	if stats, ok := store.(console.Stats); ok {
		deps.Stats = stats
	}
	if backlogs, ok := store.(console.Backlogs); ok {
		deps.History = console.NewBacklogHistory(backlogs, time.Hour)
		ticker := time.NewTicker(consoleSampleEvery)
		go func() {
			defer ticker.Stop()
			deps.History.Run(ctx, ticker.C, now, log)
		}()
	}
	return console.New(console.Config{
		BaseDomain:    cfg.BaseDomain,
		DefaultTenant: cfg.DefaultTenant,
		Secure:        !cfg.Dev,
		UserAgent:     "Shiftwire-Console/" + version,
	}, deps)
}

// withConsole serves the console under /console/ and the API everywhere else.
func withConsole(api, console http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/console/", console)
	mux.Handle("GET /console", http.RedirectHandler("/console/", http.StatusMovedPermanently))
	mux.Handle("/", api)
	return mux
}

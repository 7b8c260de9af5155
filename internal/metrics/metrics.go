// Package metrics exposes Shiftwire's Prometheus metrics: changes committed, delivery
// attempts and latency, the backlog, webhooks by status, SQL statements run, and the Go
// runtime and process. The backlog and webhook gauges are read from the store in the
// background (Run), not per scrape.
package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/shiftwire/shiftwire"
)

// Source is what the backlog and webhook gauges are read from, by RunOnce.
type Source interface {
	Backlog(ctx context.Context, now time.Time) (shiftwire.BacklogCounts, error)
	WebhookCounts(ctx context.Context) (map[shiftwire.WebhookStatus]int64, error)
}

// StatementCounter is a Source that counts the SQL statements it runs, for
// shiftwire_db_statements_total: the SQLite store counts them in a wrapped database/sql
// driver; a PostgreSQL store counts them with a pgx tracer. A store without it simply has no
// such metric.
type StatementCounter interface {
	// Statements returns the statements run since the store was opened: every query and
	// exec, and every begin, commit and rollback.
	Statements() int64
}

// Metrics holds the registry and the instruments the rest of Shiftwire updates.
type Metrics struct {
	registry *prometheus.Registry
	changes  *prometheus.CounterVec
	attempts *prometheus.CounterVec
	notices  *prometheus.CounterVec
	latency  prometheus.Histogram
	gauges   *storeCollector
}

// New registers every metric on a fresh registry. The backlog and webhook gauges show what
// RunOnce last read from src, so that a scrape costs no query whatever the backlog; until
// the first RunOnce they are absent.
func New(src Source) *Metrics {
	m := &Metrics{
		gauges:   &storeCollector{src: src},
		registry: prometheus.NewRegistry(),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shiftwire_changes_committed_total",
			Help: "Changes committed to the change log, by collection.",
		}, []string{"collection"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shiftwire_delivery_attempts_total",
			Help: "Requests made to destinations, by outcome.",
		}, []string{"outcome"}),
		notices: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shiftwire_lifecycle_notifications_total",
			Help: "Requests made to lifecycle notification URLs, by lifecycle event and outcome.",
		}, []string{"event", "outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "shiftwire_delivery_latency_seconds",
			Help:    "Time from a change's commit to its destination's 2xx.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 10800, 86400},
		}),
	}
	for _, o := range []shiftwire.Outcome{shiftwire.OutcomeSucceeded, shiftwire.OutcomeFailed, shiftwire.OutcomeTimedOut, shiftwire.OutcomeConnectionFailed} {
		m.attempts.WithLabelValues(string(o))
		for _, e := range shiftwire.LifecycleEvents() {
			m.notices.WithLabelValues(string(e), string(o))
		}
	}
	for _, c := range shiftwire.Collections() {
		m.changes.WithLabelValues(c.Name)
	}
	m.registry.MustRegister(m.changes, m.attempts, m.notices, m.latency, m.gauges,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if sc, ok := src.(StatementCounter); ok {
		// Read at scrape time from the store's own counter: counting happens on the hot path
		// as one atomic add, with nothing of Prometheus in it.
		m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "shiftwire_db_statements_total",
			Help: "SQL statements run by this process's store (queries, execs, begins, commits and rollbacks).",
		}, func() float64 { return float64(sc.Statements()) }))
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// ChangesCommitted counts n changes committed to collection.
func (m *Metrics) ChangesCommitted(collection string, n int) {
	m.changes.WithLabelValues(collection).Add(float64(n))
}

// Attempted counts one delivery attempt.
func (m *Metrics) Attempted(outcome shiftwire.Outcome) {
	m.attempts.WithLabelValues(string(outcome)).Inc()
}

// Noticed counts one attempt to send a lifecycle notice.
func (m *Metrics) Noticed(event shiftwire.LifecycleEvent, outcome shiftwire.Outcome) {
	m.notices.WithLabelValues(string(event), string(outcome)).Inc()
}

// Delivered observes the commit-to-acknowledgement latency of one change.
func (m *Metrics) Delivered(d time.Duration) { m.latency.Observe(d.Seconds()) }

// refreshTimeout bounds one reading of the backlog and webhook counts.
const refreshTimeout = time.Minute

// RunOnce reads the backlog as of now and the webhooks by status from the source, and keeps
// them for the scrapes that follow. When a read fails, the gauges keep their last values
// and shiftwire_gauges_refreshed_timestamp_seconds tells how old they are.
func (m *Metrics) RunOnce(ctx context.Context, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, refreshTimeout)
	defer cancel()
	backlog, err := m.gauges.src.Backlog(ctx, now)
	if err != nil {
		return fmt.Errorf("metrics: counting the backlog: %w", err)
	}
	webhooks, err := m.gauges.src.WebhookCounts(ctx)
	if err != nil {
		return fmt.Errorf("metrics: counting the webhooks: %w", err)
	}
	m.gauges.mu.Lock()
	defer m.gauges.mu.Unlock()
	m.gauges.backlog, m.gauges.webhooks, m.gauges.at = backlog, webhooks, now
	return nil
}

// Run calls RunOnce at once, then each time tick receives, until ctx is done, reading the
// time from now and logging the reads that fail. A slow read delays the next instead of
// piling up: the database runs at most one of them at a time.
func (m *Metrics) Run(ctx context.Context, tick <-chan time.Time, now func() time.Time, log *slog.Logger) {
	for {
		if err := m.RunOnce(ctx, now()); err != nil && ctx.Err() == nil && log != nil {
			log.Warn("the backlog and webhook gauges keep their last values", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
	}
}

var (
	backlogDesc   = prometheus.NewDesc("shiftwire_backlog_events", "Queued deliveries, by state.", []string{"state"}, nil)
	webhooksDesc  = prometheus.NewDesc("shiftwire_webhooks", "Webhooks of all tenants, by status.", []string{"status"}, nil)
	refreshedDesc = prometheus.NewDesc("shiftwire_gauges_refreshed_timestamp_seconds",
		"Unix time at which shiftwire_backlog_events and shiftwire_webhooks were last read from the database.", nil, nil)
)

// storeCollector serves the backlog and webhook gauges that RunOnce last read from the
// store. Read from the store, they are right across instances and restarts; read in the
// background, they cost a scrape nothing.
type storeCollector struct {
	src Source

	mu       sync.Mutex
	at       time.Time // when they were read; zero before the first read
	backlog  shiftwire.BacklogCounts
	webhooks map[shiftwire.WebhookStatus]int64
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- backlogDesc
	ch <- webhooksDesc
	ch <- refreshedDesc
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() {
		return
	}
	ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(c.backlog.Pending), "pending")
	ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(c.backlog.Retrying), "retrying")
	ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(c.backlog.Sending), "sending")
	for status, n := range c.webhooks {
		ch <- prometheus.MustNewConstMetric(webhooksDesc, prometheus.GaugeValue, float64(n), string(status))
	}
	ch <- prometheus.MustNewConstMetric(refreshedDesc, prometheus.GaugeValue, float64(c.at.UnixMilli())/1000)
}

// Package metrics exposes Shiftwire's Prometheus metrics: changes committed, delivery
// attempts and latency, the backlog, webhooks by status, SQL statements run, and the Go
// runtime and process.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/shiftwire/shiftwire"
)

// Source is what the gauges read at scrape time.
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
	latency  prometheus.Histogram
}

// New registers every metric on a fresh registry; the gauges read src when scraped.
func New(src Source) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shiftwire_changes_committed_total",
			Help: "Changes committed to the change log, by collection.",
		}, []string{"collection"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shiftwire_delivery_attempts_total",
			Help: "Requests made to destinations, by outcome.",
		}, []string{"outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "shiftwire_delivery_latency_seconds",
			Help:    "Time from a change's commit to its destination's 2xx.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 10800, 86400},
		}),
	}
	for _, o := range []shiftwire.Outcome{shiftwire.OutcomeSucceeded, shiftwire.OutcomeFailed, shiftwire.OutcomeTimedOut, shiftwire.OutcomeConnectionFailed} {
		m.attempts.WithLabelValues(string(o))
	}
	for _, c := range shiftwire.Collections() {
		m.changes.WithLabelValues(c.Name)
	}
	m.registry.MustRegister(m.changes, m.attempts, m.latency, &storeCollector{src: src},
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

// Delivered observes the commit-to-acknowledgement latency of one change.
func (m *Metrics) Delivered(d time.Duration) { m.latency.Observe(d.Seconds()) }

var (
	backlogDesc  = prometheus.NewDesc("shiftwire_backlog_events", "Queued deliveries, by state.", []string{"state"}, nil)
	webhooksDesc = prometheus.NewDesc("shiftwire_webhooks", "Webhooks of all tenants, by status.", []string{"status"}, nil)
)

// storeCollector reads the backlog and webhook gauges from the store at scrape time, so
// they are right across instances and restarts.
type storeCollector struct{ src Source }

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- backlogDesc
	ch <- webhooksDesc
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if b, err := c.src.Backlog(ctx, time.Now()); err == nil {
		ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(b.Pending), "pending")
		ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(b.Retrying), "retrying")
		ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(b.Sending), "sending")
	} else {
		ch <- prometheus.NewInvalidMetric(backlogDesc, err)
	}
	if counts, err := c.src.WebhookCounts(ctx); err == nil {
		for status, n := range counts {
			ch <- prometheus.MustNewConstMetric(webhooksDesc, prometheus.GaugeValue, float64(n), string(status))
		}
	} else {
		ch <- prometheus.NewInvalidMetric(webhooksDesc, err)
	}
}

package metrics_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/metrics"
)

// source is a store's metrics side, with or without a statement counter.
type source struct{}

func (source) Backlog(context.Context, time.Time) (shiftwire.BacklogCounts, error) {
	return shiftwire.BacklogCounts{Pending: 3}, nil
}

func (source) WebhookCounts(context.Context) (map[shiftwire.WebhookStatus]int64, error) {
	return map[shiftwire.WebhookStatus]int64{shiftwire.WebhookEnabled: 2}, nil
}

type countingSource struct {
	source
	n int64
}

func (s *countingSource) Statements() int64 { return s.n }

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestStatementsCounter(t *testing.T) {
	src := &countingSource{n: 41}
	m := metrics.New(src)
	src.n++
	if body := scrape(t, m); !strings.Contains(body, "\nshiftwire_db_statements_total 42\n") {
		t.Errorf("no shiftwire_db_statements_total 42 in\n%s", body)
	}
	if body := scrape(t, metrics.New(source{})); strings.Contains(body, "shiftwire_db_statements_total") {
		t.Error("a store that does not count statements has the metric")
	}
}

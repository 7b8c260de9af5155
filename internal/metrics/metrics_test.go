package metrics_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
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

// readCounter is a source that counts how often its gauges are read.
type readCounter struct {
	mu       sync.Mutex
	backlogs int
	webhooks int
	pending  int64
	nows     []time.Time // the now of each Backlog call
	fail     error
}

func (s *readCounter) Backlog(_ context.Context, now time.Time) (shiftwire.BacklogCounts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.backlogs++
	s.nows = append(s.nows, now)
	return shiftwire.BacklogCounts{Pending: s.pending, Retrying: 2, Sending: 1}, s.fail
}

func (s *readCounter) set(pending int64, fail error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending, s.fail = pending, fail
}

func (s *readCounter) WebhookCounts(context.Context) (map[shiftwire.WebhookStatus]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhooks++
	return map[shiftwire.WebhookStatus]int64{shiftwire.WebhookEnabled: 7}, nil
}

func (s *readCounter) counts() (backlogs, webhooks int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.backlogs, s.webhooks
}

// TestScrapeReadsNoStore: counting the backlog is a full-table count, so a scrape never
// runs one; N scrapes cost no query at all.
func TestScrapeReadsNoStore(t *testing.T) {
	src := &readCounter{pending: 5}
	m := metrics.New(src)
	for range 20 {
		scrape(t, m)
	}
	if backlogs, webhooks := src.counts(); backlogs != 0 || webhooks != 0 {
		t.Fatalf("20 scrapes counted the backlog %d times and the webhooks %d times, want 0", backlogs, webhooks)
	}
}

// wantLines fails the test unless body holds every line of want.
func wantLines(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, "\n"+w+"\n") {
			t.Errorf("no %s in\n%s", w, body)
		}
	}
}

// TestGaugesRefresh: RunOnce reads the gauges once and every scrape after it shows what it
// read; a failed read keeps the last values.
func TestGaugesRefresh(t *testing.T) {
	src := &readCounter{pending: 5}
	m := metrics.New(src)
	if body := scrape(t, m); strings.Contains(body, "shiftwire_backlog_events") {
		t.Errorf("gauges before the first read:\n%s", body)
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // 1.7723664e+09 in Unix seconds
	if err := m.RunOnce(t.Context(), at); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		wantLines(t, scrape(t, m),
			`shiftwire_backlog_events{state="pending"} 5`,
			`shiftwire_backlog_events{state="retrying"} 2`,
			`shiftwire_backlog_events{state="sending"} 1`,
			`shiftwire_webhooks{status="Enabled"} 7`,
			`shiftwire_gauges_refreshed_timestamp_seconds 1.7723664e+09`)
	}
	if backlogs, webhooks := src.counts(); backlogs != 1 || webhooks != 1 {
		t.Errorf("one read and 20 scrapes counted the backlog %d times and the webhooks %d times, want 1", backlogs, webhooks)
	}
	if !src.nows[0].Equal(at) {
		t.Errorf("the backlog was counted at %v, want %v", src.nows[0], at)
	}

	src.set(6, errors.New("database is locked"))
	if err := m.RunOnce(t.Context(), at.Add(time.Minute)); err == nil {
		t.Fatal("RunOnce hid the source's error")
	}
	wantLines(t, scrape(t, m), `shiftwire_backlog_events{state="pending"} 5`, `shiftwire_gauges_refreshed_timestamp_seconds 1.7723664e+09`)
}

// TestGaugesRun: Run reads the gauges when it starts and then once per tick, with the time of
// its clock, until its context ends.
func TestGaugesRun(t *testing.T) {
	src := &readCounter{pending: 5}
	m := metrics.New(src)
	ctx, cancel := context.WithCancel(t.Context())
	tick := make(chan time.Time) // unbuffered: a send returns once Run is waiting again
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Run(ctx, tick, func() time.Time { return at }, slog.New(slog.DiscardHandler))
	}()
	tick <- time.Time{} // the read at start is done
	wantLines(t, scrape(t, m), `shiftwire_backlog_events{state="pending"} 5`)
	src.set(9, nil)
	tick <- time.Time{} // the read of the first tick is done
	tick <- time.Time{} // the read of the second, which read 9, is done
	cancel()
	<-done
	wantLines(t, scrape(t, m), `shiftwire_backlog_events{state="pending"} 9`)
	if backlogs, _ := src.counts(); backlogs != 4 {
		t.Errorf("a start and three ticks counted the backlog %d times, want 4", backlogs)
	}
	for _, now := range src.nows {
		if !now.Equal(at) {
			t.Errorf("the backlog was counted at %v, want the clock's %v", now, at)
		}
	}
}

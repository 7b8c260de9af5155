package console

import (
	"strings"
	"testing"
	"time"
)

func TestNiceCeiling(t *testing.T) {
	for v, want := range map[int64]int64{0: 1, 1: 1, 2: 2, 3: 5, 5: 5, 6: 10, 11: 20, 21: 50, 51: 100, 999: 1000, 1_000_001: 2_000_000} {
		if got := niceCeiling(v); got != want {
			t.Errorf("niceCeiling(%d) = %d, want %d", v, got, want)
		}
	}
}

func TestNewChart(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	if c := newChart(nil, 0, false, now, time.Hour); c.Line != "" || c.Samples != 0 {
		t.Errorf("no samples drew %+v", c)
	}
	points := []Point{{now.Add(-time.Hour), 0}, {now.Add(-30 * time.Minute), 40}}
	c := newChart(points, 10, true, now, time.Hour)
	if c.Max != 50 || c.Peak != 40 || c.Now != 10 || c.Samples != 3 {
		t.Errorf("chart %+v: want max 50, peak 40, now 10, 3 samples", c)
	}
	// A step line: the start at 0, a step up half-way, held until now, then down to 10.
	want := "44.0,122.0 318.0,122.0 318.0,34.0 592.0,34.0 592.0,100.0"
	if c.Line != want {
		t.Errorf("line %q, want %q", c.Line, want)
	}
	if !strings.HasPrefix(c.Area, "44.0,122 ") || !strings.HasSuffix(c.Area, " 592.0,122") {
		t.Errorf("area %q is not closed along the axis", c.Area)
	}
	// Samples older than the span are drawn at its start, not off the chart.
	old := newChart([]Point{{now.Add(-2 * time.Hour), 5}}, 5, true, now, time.Hour)
	if !strings.HasPrefix(old.Line, "44.0,") {
		t.Errorf("an old sample is drawn at %q", old.Line)
	}
}

func TestDaysLeft(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		-time.Minute:        "expired",
		0:                   "expired",
		5 * time.Hour:       "5 h left",
		30 * time.Hour:      "1 day left",
		29*24*time.Hour + 1: "29 days left",
	} {
		if got := daysLeft(now, now.Add(d)); got != want {
			t.Errorf("daysLeft(+%v) = %q, want %q", d, got, want)
		}
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		10 * time.Second: "just now",
		5 * time.Minute:  "5 min ago",
		3 * time.Hour:    "3 h ago",
		72 * time.Hour:   "3 days ago",
	} {
		if got := ago(now, now.Add(-d)); got != want {
			t.Errorf("ago(-%v) = %q, want %q", d, got, want)
		}
	}
	if got := ago(now, time.Time{}); got != "never" {
		t.Errorf("ago(zero) = %q, want never", got)
	}
}

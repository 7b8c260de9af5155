package console

import (
	"fmt"
	"strings"
	"time"
)

// The backlog chart's drawing area, in the SVG's own units: it scales to the page's width.
const (
	chartWidth  = 600
	chartHeight = 150
	plotLeft    = 44
	plotRight   = 592
	plotTop     = 12
	plotBottom  = 122
)

// chart is a backlog chart ready for the template: a step line through the samples, drawn as
// SVG on the server so the page needs no script to show it.
type chart struct {
	Line    string // the polyline's points, "" when there is nothing to draw
	Area    string // the same line closed along the axis, filled
	Max     int64  // the top of the scale
	Now     int64  // the latest backlog
	Peak    int64  // the largest backlog drawn
	Samples int
	Since   string // how far back the samples reach
	// The frame and labels' positions, for the template.
	Width, Height, Left, Right, Top, Bottom int
}

// newChart draws points, plus the current backlog at now when known, over the span before now.
func newChart(points []Point, current int64, hasCurrent bool, now time.Time, span time.Duration) chart {
	if hasCurrent {
		points = append(points, Point{At: now, Backlog: current})
	}
	c := chart{Width: chartWidth, Height: chartHeight, Left: plotLeft, Right: plotRight, Top: plotTop, Bottom: plotBottom, Samples: len(points)}
	if len(points) == 0 {
		return c
	}
	c.Now = points[len(points)-1].Backlog
	for _, p := range points {
		c.Peak = max(c.Peak, p.Backlog)
	}
	c.Max = niceCeiling(c.Peak)
	c.Since = ago(now, points[0].At)
	start := now.Add(-span)
	x := func(t time.Time) float64 {
		f := float64(t.Sub(start)) / float64(span)
		return plotLeft + min(max(f, 0), 1)*(plotRight-plotLeft)
	}
	y := func(v int64) float64 {
		return plotBottom - float64(v)/float64(c.Max)*(plotBottom-plotTop)
	}
	var line strings.Builder
	for i, p := range points {
		if i > 0 { // a step: the backlog holds until the next sample
			fmt.Fprintf(&line, "%.1f,%.1f ", x(p.At), y(points[i-1].Backlog))
		}
		fmt.Fprintf(&line, "%.1f,%.1f ", x(p.At), y(p.Backlog))
	}
	c.Line = strings.TrimSpace(line.String())
	c.Area = fmt.Sprintf("%.1f,%d %s %.1f,%d", x(points[0].At), plotBottom, c.Line, x(points[len(points)-1].At), plotBottom)
	return c
}

// niceCeiling returns the smallest of 1, 2, 5, 10, 20, 50, ... at or above v, so the scale's
// top is a round number.
func niceCeiling(v int64) int64 {
	for step := int64(1); ; step *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if m*step >= v {
				return m * step
			}
		}
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// runBenchBinary runs bin bench with args and decodes its JSON report.
func runBenchBinary(t *testing.T, bin string, args ...string) benchReport {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"bench", "--json", "--quiet"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench %s: %v\n%s\n%s", strings.Join(args, " "), err, stderr.String(), stdout.String())
	}
	var rep benchReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("bench printed %s: %v", stdout.String(), err)
	}
	return rep
}

func TestBench(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs server processes; skipped in short mode")
	}
	bin := buildBinary(t)

	t.Run("closed loop", func(t *testing.T) {
		rep := runBenchBinary(t, bin, "--webhooks", "3", "--changes", "300", "--write-batch", "50", "--duration", "10s", "--ceiling", "300ms")
		if !rep.Events.Complete || rep.Events.Received != 900 || rep.Events.Expected != 900 {
			t.Errorf("events %+v", rep.Events)
		}
		if rep.Events.BadSignatures != 0 || rep.Events.Unexpected != 0 || rep.Events.Duplicates != 0 {
			t.Errorf("bad signatures %d, unexpected %d, duplicates %d", rep.Events.BadSignatures, rep.Events.Unexpected, rep.Events.Duplicates)
		}
		if rep.Load.Changes != 300 || rep.Load.Requests != 6 || rep.Load.Failed != 0 {
			t.Errorf("load %+v", rep.Load)
		}
		if rep.Latency == nil || rep.Latency.Count != 900 || rep.Latency.P50Ms <= 0 || rep.Latency.MaxMs < rep.Latency.P99Ms {
			t.Errorf("latency %+v", rep.Latency)
		}
		if rep.StatementsPerEvent <= 0 || rep.Attempts["Succeeded"] != 900 {
			t.Errorf("%.2f statements per event, attempts %v", rep.StatementsPerEvent, rep.Attempts)
		}
		if len(rep.Servers) != 1 || rep.Servers[0].PeakRSSMiB <= 0 || rep.Servers[0].CPUSeconds <= 0 {
			t.Errorf("servers %+v", rep.Servers)
		}
		if rep.Ceiling == nil || rep.Ceiling.Requests == 0 || rep.ShareOfCeiling <= 0 {
			t.Errorf("ceiling %+v, share %v", rep.Ceiling, rep.ShareOfCeiling)
		}
	})

	t.Run("realistic", func(t *testing.T) {
		rep := runBenchBinary(t, bin, "--workload", "realistic", "--people", "4", "--changes", "160", "--write-batch", "8",
			"--duration", "10s", "--ceiling", "0")
		r := rep.Realistic
		if rep.Workload != "realistic" || rep.Webhooks != 3 || r == nil || len(r.Collections) != 3 {
			t.Fatalf("workload %q, %d webhooks, realistic %+v", rep.Workload, rep.Webhooks, r)
		}
		if !rep.Events.Complete || rep.Events.Received != rep.Events.Expected {
			t.Errorf("events %+v", rep.Events)
		}
		if rep.Events.BadSignatures != 0 || rep.Events.Unexpected != 0 || rep.Events.Duplicates != 0 {
			t.Errorf("bad signatures %d, unexpected %d, duplicates %d", rep.Events.BadSignatures, rep.Events.Unexpected, rep.Events.Duplicates)
		}
		if rep.Load.Changes != 160 || rep.Load.Requests != 20 || rep.Load.Failed != 0 || r.Clockings != 160 {
			t.Errorf("load %+v", rep.Load)
		}
		for i, c := range r.Collections {
			if c.Collection != realisticCollections[i] || c.Webhooks != 1 || c.Changes <= 0 || c.Expected != c.Changes || c.Received != c.Expected {
				t.Errorf("collection %+v", c)
			}
		}
		if r.Collections[0].Changes != 160 {
			t.Errorf("%d clocking changes, want 160", r.Collections[0].Changes)
		}
		if r.EventsPerClocking <= 1 || r.EventsPerRequest <= 8 || r.ChangesPerClocking <= 1 {
			t.Errorf("%.2f events per clocking, %.2f per request, %.2f changes per clocking", r.EventsPerClocking, r.EventsPerRequest, r.ChangesPerClocking)
		}
		if rep.Latency == nil || rep.Latency.Count != 160 {
			t.Errorf("latency %+v, want the 160 clockings' events", rep.Latency)
		}
		if rep.StatementsPerEvent <= 0 || rep.Attempts["Succeeded"] != float64(rep.Events.Received) {
			t.Errorf("%.2f statements per event, attempts %v", rep.StatementsPerEvent, rep.Attempts)
		}
	})

	t.Run("backlog with a dead destination", func(t *testing.T) {
		rep := runBenchBinary(t, bin, "--webhooks", "3", "--dead-share", "0.34", "--backlog", "600", "--batch-size", "10", "--ceiling", "0")
		if rep.Mode != "backlog" || rep.Healthy != 2 || rep.Dead != 1 {
			t.Errorf("mode %s, %d healthy, %d dead", rep.Mode, rep.Healthy, rep.Dead)
		}
		if !rep.Events.Complete || rep.Events.Received != 400 || rep.Load.Changes != 200 {
			t.Errorf("events %+v, load %+v", rep.Events, rep.Load)
		}
		if rep.Latency != nil || rep.Ceiling != nil {
			t.Errorf("a backlog run reported latency %+v or a ceiling %+v", rep.Latency, rep.Ceiling)
		}
	})
}

func TestBenchFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--instances", "2"},
		{"--dead-share", "1"},
		{"--dead-mode", "slow"},
		{"--backlog", "10", "--database-url", "postgres://localhost/x"},
		{"--webhooks", "0"},
		{"--workload", "payroll"},
		{"--workload", "realistic", "--webhooks", "2"},
		{"--workload", "realistic", "--backlog", "100"},
		{"--workload", "realistic", "--people", "0"},
		{"extra"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(t.Context(), append([]string{"bench"}, args...), env{}.getenv, &stdout, &stderr); err == nil {
			t.Errorf("bench %q: no error", args)
		}
	}
}

func TestRedactArgs(t *testing.T) {
	got := strings.Join(redactArgs([]string{"--database-url", "postgres://u:pw@h/db", "--webhooks", "3",
		"-master-key=abc", "--instances=2", "--label", "database-url"}), " ")
	want := "--database-url <secret> --webhooks 3 --master-key=<secret> --instances=2 --label database-url"
	if got != want {
		t.Errorf("redactArgs = %q, want %q", got, want)
	}
}

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

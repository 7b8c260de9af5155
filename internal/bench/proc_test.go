package bench

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestProc(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	m := ThisMachine()
	if m.Cores < 1 || m.MemoryMiB < 1 || m.GoVersion == "" {
		t.Errorf("ThisMachine() = %+v", m)
	}
	pid := os.Getpid()
	rss, ok1 := RSS(pid)
	hwm, ok2 := PeakRSS(pid)
	if !ok1 || !ok2 || rss <= 0 || hwm < rss {
		t.Errorf("RSS %d %v, PeakRSS %d %v", rss, ok1, hwm, ok2)
	}
	if _, ok := CPUTime(pid); !ok {
		t.Error("CPUTime failed")
	}
	// This process is one of those with its command: their CPU is at least its own.
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	own, _ := CPUTime(pid)
	if all, ok := CommandCPU(strings.TrimSpace(string(comm))); !ok || all < own {
		t.Errorf("CommandCPU(%q) = %v, %v; this process alone used %v", comm, all, ok, own)
	}
	if none, ok := CommandCPU("no-such-command-here"); !ok || none != 0 {
		t.Errorf("CommandCPU of no process = %v, %v", none, ok)
	}
	if busy, total, ok := MachineCPU(); !ok || busy <= 0 || total < busy {
		t.Errorf("MachineCPU = %v, %v, %v", busy, total, ok)
	}
	s := SampleRSS([]int{pid}, time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	s.Stop()
	if s.Samples() == 0 || s.Peak(pid) <= 0 || s.Last(pid) <= 0 {
		t.Errorf("sampler: %d samples, peak %d, last %d", s.Samples(), s.Peak(pid), s.Last(pid))
	}
}

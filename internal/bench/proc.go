package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Machine is what a run ran on.
type Machine struct {
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	MemoryMiB int64  `json:"memoryMiB"`
	GoVersion string `json:"goVersion"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	Kernel    string `json:"kernel,omitempty"`
}

// ThisMachine describes the machine, from /proc where there is one.
func ThisMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if kib, ok := procField("/proc/meminfo", "MemTotal"); ok {
		m.MemoryMiB = kib / 1024
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// procField reads a "Name: 123 kB" field of a /proc status-like file, in KiB.
func procField(path, name string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != name {
			continue
		}
		v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB"))
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// PeakRSS returns the process's peak resident set size (VmHWM), in bytes.
func PeakRSS(pid int) (int64, bool) {
	kib, ok := procField(fmt.Sprintf("/proc/%d/status", pid), "VmHWM")
	return kib << 10, ok
}

// RSS returns the process's resident set size now (VmRSS), in bytes.
func RSS(pid int) (int64, bool) {
	kib, ok := procField(fmt.Sprintf("/proc/%d/status", pid), "VmRSS")
	return kib << 10, ok
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// CPUTime returns the user and system CPU time the process has used.
func CPUTime(pid int) (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name may hold spaces and parentheses; the fields start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(string(b[i+1:]))
	// utime and stime are fields 14 and 15 of stat; fields[0] here is field 3.
	if len(fields) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, true
}

// CommandCPU returns the user and system CPU time used so far by the processes of this
// machine whose command is name, such as the backends of a local PostgreSQL server. A
// process that exited is no longer counted, so over an interval the figure can only fall
// short.
func CommandCPU(name string) (time.Duration, bool) {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, false
	}
	var total time.Duration
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil || strings.TrimSpace(string(comm)) != name {
			continue
		}
		if cpu, ok := CPUTime(pid); ok {
			total += cpu
		}
	}
	return total, true
}

// RSSSampler samples the resident set size of processes periodically and keeps the peak of
// each, a cross-check of VmHWM and a record of how memory moved during a run.
type RSSSampler struct {
	mu      sync.Mutex
	peak    map[int]int64
	last    map[int]int64
	samples int
	stop    chan struct{}
	done    chan struct{}
}

// SampleRSS starts sampling pids every interval until Stop.
func SampleRSS(pids []int, interval time.Duration) *RSSSampler {
	s := &RSSSampler{peak: map[int]int64{}, last: map[int]int64{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s.sample(pids)
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *RSSSampler) sample(pids []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples++
	for _, pid := range pids {
		if rss, ok := RSS(pid); ok {
			s.last[pid] = rss
			s.peak[pid] = max(s.peak[pid], rss)
		}
	}
}

// Stop ends sampling.
func (s *RSSSampler) Stop() {
	close(s.stop)
	<-s.done
}

// Peak returns the largest RSS sampled for pid, in bytes.
func (s *RSSSampler) Peak(pid int) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak[pid]
}

// Last returns the latest RSS sampled for pid, in bytes.
func (s *RSSSampler) Last(pid int) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last[pid]
}

// Samples returns how many times the sampler sampled.
func (s *RSSSampler) Samples() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples
}

// MachineCPU returns the CPU time all processes have used (busy) and the time that passed
// on all cores (total), from /proc/stat: their differences over a run show how much of the
// machine other processes took, which makes a shared machine's numbers readable.
func MachineCPU() (busy, total time.Duration, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 8 || fields[0] != "cpu" {
		return 0, 0, false
	}
	var v [8]int64
	for i := range v {
		v[i], err = strconv.ParseInt(fields[i+1], 10, 64)
		if err != nil {
			return 0, 0, false
		}
	}
	// user nice system idle iowait irq softirq steal
	busyTicks := v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
	totalTicks := busyTicks + v[3] + v[4]
	return time.Duration(busyTicks) * time.Second / clockTicks, time.Duration(totalTicks) * time.Second / clockTicks, true
}

// LoadAverage returns the one-minute load average.
func LoadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

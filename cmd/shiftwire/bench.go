package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shiftwire/shiftwire/internal/bench"
	"github.com/shiftwire/shiftwire/internal/delivery"
)

// benchConfig is every setting of shiftwire bench.
type benchConfig struct {
	Label               string
	Workload            string
	People              int
	DatabaseURL         string
	MasterKey           string
	Instances           int
	Webhooks            int
	BatchSize           int
	WriteBatch          int
	Writers             int
	Rate                float64
	Duration            time.Duration
	Changes             int64
	MaxPending          int64
	Backlog             int64
	DeadShare           float64
	DeadMode            string
	DeliveryConcurrency int
	Timeout             time.Duration
	Ceiling             time.Duration
	CeilingConcurrency  int
	CPUProfile          string
	ProfileSeconds      int
	ServeFlags          string
	JSON                bool
	Keep                bool
	Quiet               bool
}

func (c *benchConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Label, "label", "", "a name for the run, printed in the report")
	fs.StringVar(&c.Workload, "workload", workloadBreakDefinitions, "break-definitions: each change a new break definition, webhooks on break-definitions; realistic: clockings of --people people with recalculation, webhooks split in thirds over clockings, calculated-totals and paid-presences (default 3 webhooks, one each)")
	fs.IntVar(&c.People, "people", 100, "with --workload realistic, the people who clock")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL URL of an empty database to run against (default: a fresh SQLite file in a temporary directory)")
	fs.StringVar(&c.MasterKey, "master-key", "", "master key for --database-url (default: a random one, given to every instance)")
	fs.IntVar(&c.Instances, "instances", 1, "serve processes to start (more than one needs --database-url)")
	fs.IntVar(&c.Webhooks, "webhooks", 100, "webhooks, each to its own loopback receiver")
	fs.IntVar(&c.BatchSize, "batch-size", 0, "create the webhooks with ?batchSize=N (batch mode); 0: one event per request")
	fs.IntVar(&c.WriteBatch, "write-batch", 100, "changes per POST /changes request")
	fs.IntVar(&c.Writers, "writers", 4, "write requests in flight at once")
	fs.Float64Var(&c.Rate, "rate", 0, "changes per second offered; 0: as fast as the server delivers (at most --max-pending events outstanding)")
	fs.DurationVar(&c.Duration, "duration", 20*time.Second, "how long to load changes")
	fs.Int64Var(&c.Changes, "changes", 0, "stop loading after this many changes (default: rate x duration, or a bound that keeps the bench's memory small)")
	fs.Int64Var(&c.MaxPending, "max-pending", 0, "with --rate 0, the most events outstanding at once (default: enough to keep every delivery slot busy)")
	fs.Int64Var(&c.Backlog, "backlog", 0, "pre-fill this many queued events before the server starts, then measure the drain (SQLite only)")
	fs.Float64Var(&c.DeadShare, "dead-share", 0, "share of webhooks (0 to 1) whose destination is dead")
	fs.StringVar(&c.DeadMode, "dead-mode", string(bench.DeadRefuse), "how dead destinations fail: refuse (closed port) or hang (accept, never answer)")
	fs.IntVar(&c.DeliveryConcurrency, "delivery-concurrency", 8, "serve's --delivery-concurrency")
	fs.DurationVar(&c.Timeout, "timeout", 5*time.Minute, "how long to wait for the last events after loading ends (or for a backlog to drain)")
	fs.DurationVar(&c.Ceiling, "ceiling", 5*time.Second, "how long to measure the bare HTTP ceiling after the run; 0 skips it")
	fs.IntVar(&c.CeilingConcurrency, "ceiling-concurrency", 0, "requests in flight in the ceiling run (default: healthy webhooks x --delivery-concurrency, at most the engine's 1024)")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the (first) server, taken during the load, to this file")
	fs.IntVar(&c.ProfileSeconds, "profile-seconds", 10, "length of the --cpuprofile profile")
	fs.StringVar(&c.ServeFlags, "serve-flags", "", "more flags for serve, space-separated (for example \"--delivery-timeout 2s\")")
	fs.BoolVar(&c.JSON, "json", false, "print the report as JSON")
	fs.BoolVar(&c.Keep, "keep", false, "keep the temporary directory (database and server logs)")
	fs.BoolVar(&c.Quiet, "quiet", false, "no progress lines on stderr")
}

func (c *benchConfig) validate() error {
	var problems []string
	switch c.Workload {
	case workloadBreakDefinitions:
	case workloadRealistic:
		if c.Webhooks < len(realisticCollections) {
			problems = append(problems, "--workload realistic needs at least 3 webhooks, one per collection")
		}
		if c.People < 1 || c.People > 100000 {
			problems = append(problems, "--people must be from 1 to 100000")
		}
		if c.Backlog > 0 || c.DeadShare > 0 {
			problems = append(problems, "--workload realistic does not take --backlog or --dead-share")
		}
	default:
		problems = append(problems, "--workload must be break-definitions or realistic")
	}
	if c.Webhooks < 1 || c.Webhooks > 10000 {
		problems = append(problems, "--webhooks must be from 1 to 10000")
	}
	if c.BatchSize < 0 || c.BatchSize > 1000 {
		problems = append(problems, "--batch-size must be from 0 to 1000")
	}
	if c.WriteBatch < 1 || c.WriteBatch > 100000 {
		problems = append(problems, "--write-batch must be from 1 to 100000")
	}
	if c.Writers < 1 || c.Writers > 64 {
		problems = append(problems, "--writers must be from 1 to 64")
	}
	if c.Rate < 0 || math.IsInf(c.Rate, 0) || math.IsNaN(c.Rate) {
		problems = append(problems, "--rate must be 0 or positive")
	}
	if c.Duration <= 0 || c.Duration > time.Hour {
		problems = append(problems, "--duration must be positive and at most 1h")
	}
	if c.Timeout <= 0 || c.Timeout > 2*time.Hour {
		problems = append(problems, "--timeout must be positive and at most 2h")
	}
	if c.Ceiling < 0 || c.Ceiling > time.Minute {
		problems = append(problems, "--ceiling must be from 0 to 1m")
	}
	if c.DeadShare < 0 || c.DeadShare >= 1 {
		problems = append(problems, "--dead-share must be from 0 up to (not including) 1")
	}
	if c.dead() >= c.Webhooks {
		problems = append(problems, "--dead-share leaves no healthy webhook")
	}
	if c.DeadMode != string(bench.DeadRefuse) && c.DeadMode != string(bench.DeadHang) {
		problems = append(problems, "--dead-mode must be refuse or hang")
	}
	if c.Instances < 1 || c.Instances > 16 {
		problems = append(problems, "--instances must be from 1 to 16")
	}
	if c.Instances > 1 && c.DatabaseURL == "" {
		problems = append(problems, "--instances above 1 needs --database-url: SQLite has one engine per file")
	}
	if c.Backlog < 0 || c.Backlog > 100_000_000 {
		problems = append(problems, "--backlog must be from 0 to 100000000")
	}
	if c.Backlog > 0 && c.DatabaseURL != "" {
		problems = append(problems, "--backlog pre-fills the SQLite file directly; it does not work with --database-url yet")
	}
	if c.Changes < 0 || c.MaxPending < 0 {
		problems = append(problems, "--changes and --max-pending must not be negative")
	}
	if c.DeliveryConcurrency < 1 || c.DeliveryConcurrency > 1000 {
		problems = append(problems, "--delivery-concurrency must be from 1 to 1000")
	}
	if c.CeilingConcurrency < 0 || c.CeilingConcurrency > 10000 {
		problems = append(problems, "--ceiling-concurrency must be from 0 to 10000")
	}
	if c.ProfileSeconds < 1 || c.ProfileSeconds > 300 {
		problems = append(problems, "--profile-seconds must be from 1 to 300")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// dead returns how many webhooks have a dead destination.
func (c *benchConfig) dead() int {
	return int(math.Round(float64(c.Webhooks) * c.DeadShare))
}

// maxObjects is the bound on the changes of the run: each change writes the next object id.
func (c *benchConfig) maxObjects() int64 {
	switch {
	case c.Backlog > 0:
		return (c.Backlog + int64(c.Webhooks) - 1) / int64(c.Webhooks)
	case c.Changes > 0:
		return c.Changes
	case c.Rate > 0:
		return int64(math.Ceil(c.Rate * c.Duration.Seconds()))
	}
	// As fast as possible: far more than 2 cores deliver in the longest sensible run, while
	// the tracker's bitmap (webhooks x objects bits) stays a few MiB.
	return min(2_000_000, max(1000, 20_000_000/int64(c.Webhooks)))
}

// maxPending is the closed loop's bound on outstanding events.
func (c *benchConfig) maxPending() int64 {
	if c.MaxPending > 0 {
		return c.MaxPending
	}
	inFlight := int64(min(c.Webhooks*c.DeliveryConcurrency, delivery.DefaultConfig().MaxInFlight)) * int64(max(1, c.BatchSize))
	return max(20_000, 2*inFlight)
}

// benchReport is what a run measured; --json prints it as it is.
type benchReport struct {
	Label   string        `json:"label,omitempty"`
	Date    time.Time     `json:"date"`
	Machine bench.Machine `json:"machine"`
	Version string        `json:"version"`
	// Revision is the commit the binary was built from, when the build recorded it, with
	// "+modified" for a work tree with changes.
	Revision string `json:"revision,omitempty"`
	Command  string `json:"command"`
	Workload string `json:"workload"`

	Store               string  `json:"store"`
	Instances           int     `json:"instances"`
	Webhooks            int     `json:"webhooks"`
	Healthy             int     `json:"healthy"`
	Dead                int     `json:"dead"`
	DeadMode            string  `json:"deadMode,omitempty"`
	BatchSize           int     `json:"batchSize"`
	DeliveryConcurrency int     `json:"deliveryConcurrency"`
	Mode                string  `json:"mode"` // closed-loop, fixed-rate or backlog
	OfferedRate         float64 `json:"offeredChangesPerSecond,omitempty"`

	Load struct {
		Changes       int64   `json:"changes"`
		Requests      int64   `json:"requests"`
		Failed        int64   `json:"failed"`
		Late          int64   `json:"late,omitempty"`
		Seconds       float64 `json:"seconds"`
		ChangesPerSec float64 `json:"changesPerSecond"`
		WriteP50Ms    float64 `json:"writeP50Ms"`
		WriteP99Ms    float64 `json:"writeP99Ms"`
		Error         string  `json:"error,omitempty"`
	} `json:"load"`

	Events struct {
		Expected int64 `json:"expected"`
		bench.TrackerStats
		Complete bool `json:"complete"`
	} `json:"events"`
	// Seconds runs from the first write request sent (the server's start for a backlog) to
	// the last event received.
	Seconds      float64 `json:"seconds"`
	EventsPerSec float64 `json:"eventsPerSecond"`
	// PerHealthyWebhook is EventsPerSec divided by the healthy webhooks.
	PerHealthyWebhook float64 `json:"eventsPerSecondPerHealthyWebhook"`

	// Latency is from the moment the write request carrying the change was sent to the
	// moment the receiver had the event: commit-to-receipt plus the write's own time.
	// With the realistic workload, latency is measured for the clockings' events only.
	Latency *struct {
		Count int64   `json:"count"`
		P50Ms float64 `json:"p50Ms"`
		P95Ms float64 `json:"p95Ms"`
		P99Ms float64 `json:"p99Ms"`
		MaxMs float64 `json:"maxMs"`
	} `json:"latency,omitempty"`

	// Realistic is the realistic workload's part of the report.
	Realistic *realisticReport `json:"realistic,omitempty"`

	Statements         float64            `json:"statements"`
	StatementsPerEvent float64            `json:"statementsPerEvent"`
	Attempts           map[string]float64 `json:"attempts"`

	Servers []benchServer `json:"servers"`
	// BenchCPUSeconds is the bench process's own CPU (receivers and load) over the run.
	BenchCPUSeconds float64 `json:"benchCpuSeconds"`
	// OtherCPUSeconds is the CPU other processes of the machine used over the run, and
	// BusyBefore the share of the machine they used in the second before it started: on a
	// shared machine, figures taken while others were busy are not this program's.
	OtherCPUSeconds float64 `json:"otherCpuSeconds"`
	// DatabaseCPUSeconds is the CPU of this machine's PostgreSQL processes over the run, with
	// --database-url to a server on this machine; DatabaseCPUPerEventMs divides it by the
	// events delivered. They are counted out of OtherCPUSeconds.
	DatabaseCPUSeconds    float64 `json:"databaseCpuSeconds,omitempty"`
	DatabaseCPUPerEventMs float64 `json:"databaseCpuPerEventMs,omitempty"`
	BusyBefore            float64 `json:"busyBefore"`
	LoadAverage           float64 `json:"loadAverage"`

	Ceiling        *bench.CeilingResult `json:"ceiling,omitempty"`
	ShareOfCeiling float64              `json:"shareOfCeiling,omitempty"`
	Profile        string               `json:"profile,omitempty"`
	StartupSeconds float64              `json:"startupSeconds,omitempty"`
	PrefillSeconds float64              `json:"prefillSeconds,omitempty"`
	Warnings       []string             `json:"warnings,omitempty"`
}

// benchServer is what a run measured of one server process.
type benchServer struct {
	PID            int     `json:"pid"`
	PeakRSSMiB     float64 `json:"peakRssMiB"`     // VmHWM at the end of the run
	SampledPeakMiB float64 `json:"sampledPeakMiB"` // the largest VmRSS sampled every 100 ms
	LastRSSMiB     float64 `json:"lastRssMiB"`
	CPUSeconds     float64 `json:"cpuSeconds"` // user and system, over the measured part of the run
	Statements     float64 `json:"statements"`
}

// runBench measures delivery end to end on loopback: it starts serve processes of this very
// binary with a fresh store, receivers in this process, creates webhooks and loads changes
// through the API, waits for every event, and reports. It reads no SHIFTWIRE_* variables: a
// benchmark must never reach a real database because of the caller's environment.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg benchConfig
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	cfg.register(fs)
	positional, err := parseFlags(fs, args, func(string) string { return "" }, stdout, stderr)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return fmt.Errorf("bench takes no arguments, got %q", positional)
	}
	if cfg.Workload == workloadRealistic {
		explicit := false
		fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "webhooks" })
		if !explicit {
			cfg.Webhooks = len(realisticCollections)
		}
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	progress := stderr
	if cfg.Quiet {
		progress = io.Discard
	}
	b := &benchRun{cfg: cfg, progress: progress, command: "shiftwire bench " + strings.Join(redactArgs(args), " ")}
	rep, err := b.run(ctx)
	if rep != nil {
		if cfg.JSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(rep); err != nil {
				return err
			}
		} else {
			printBenchReport(stdout, rep)
		}
	}
	return err
}

// redactArgs returns args with the values of --database-url (which may hold a password) and
// --master-key replaced, for the report.
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	secret := false
	for i, a := range args {
		switch name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "="); {
		case secret:
			out[i], secret = "<secret>", false
		case strings.HasPrefix(a, "-") && (name == "database-url" || name == "master-key"):
			if hasValue {
				out[i] = "--" + name + "=<secret>"
			} else {
				out[i], secret = a, true
			}
		default:
			out[i] = a
		}
	}
	return out
}

// eventTracker follows the events of a run at its receivers.
type eventTracker interface {
	Sent(first, last int64, at time.Time)
	Received() int64
	Complete(expected int64) bool
	Stats() bench.TrackerStats
	LatencyHistogram() *bench.Histogram
	Handler(hook int, key []byte) http.Handler
}

// benchRun is one run of the bench.
type benchRun struct {
	cfg      benchConfig
	progress io.Writer
	command  string

	exe, dir, dbPath string
	storeArgs        []string // --db for SQLite
	storeEnv         []string // SHIFTWIRE_DATABASE_URL and SHIFTWIRE_MASTER_KEY for PostgreSQL
	tenant           string
	children         []*benchChild
	tracker          eventTracker
	versions         *bench.VersionTracker // the realistic workload's tracker
	servers          *bench.Servers
}

func (b *benchRun) logf(format string, args ...any) {
	fmt.Fprintf(b.progress, "bench: "+format+"\n", args...)
}

func (b *benchRun) run(ctx context.Context) (*benchReport, error) {
	cfg := b.cfg
	var err error
	if b.exe, err = os.Executable(); err != nil {
		return nil, err
	}
	if b.dir, err = os.MkdirTemp("", "shiftwire-bench-"); err != nil {
		return nil, err
	}
	if cfg.Keep {
		b.logf("keeping %s", b.dir)
	} else {
		defer os.RemoveAll(b.dir)
	}
	defer b.stopAll()

	rep := &benchReport{
		Label: cfg.Label, Date: time.Now().UTC().Truncate(time.Second), Machine: bench.ThisMachine(), Version: version, Revision: revision(),
		Command: b.command, Workload: cfg.Workload, Instances: cfg.Instances, Webhooks: cfg.Webhooks, Dead: cfg.dead(),
		BatchSize: cfg.BatchSize, DeliveryConcurrency: cfg.DeliveryConcurrency, OfferedRate: cfg.Rate,
	}
	rep.Healthy = cfg.Webhooks - rep.Dead
	rep.LoadAverage = bench.LoadAverage()
	if busy0, total0, ok := bench.MachineCPU(); ok {
		time.Sleep(time.Second)
		if busy1, total1, ok := bench.MachineCPU(); ok && total1 > total0 {
			rep.BusyBefore = float64(busy1-busy0) / float64(total1-total0)
		}
	}
	if rep.BusyBefore > 0.2 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("other processes used %.0f %% of the machine when the run started", 100*rep.BusyBefore))
	}
	if rep.Dead > 0 {
		rep.DeadMode = cfg.DeadMode
	}
	switch {
	case cfg.Backlog > 0:
		rep.Mode = "backlog"
	case cfg.Rate > 0:
		rep.Mode = "fixed-rate"
	default:
		rep.Mode = "closed-loop"
	}

	// The store: a fresh SQLite file, or the given PostgreSQL database with a tenant of its
	// own per run.
	b.tenant = "bench"
	if cfg.DatabaseURL != "" {
		rep.Store = "postgres"
		if cfg.MasterKey == "" {
			key := make([]byte, 32)
			rand.Read(key)
			cfg.MasterKey = base64.StdEncoding.EncodeToString(key)
		}
		// In the children's environment rather than on their command lines, where any user
		// of the machine could read the URL's password and the key.
		b.storeEnv = []string{"SHIFTWIRE_DATABASE_URL=" + cfg.DatabaseURL, "SHIFTWIRE_MASTER_KEY=" + cfg.MasterKey}
		b.tenant = fmt.Sprintf("bench-%d", time.Now().UnixNano())
	} else {
		rep.Store = "sqlite"
		b.dbPath = filepath.Join(b.dir, "shiftwire.db")
		b.storeArgs = []string{"--db", b.dbPath}
	}
	if _, err := runAdminChild(ctx, b.exe, b.storeEnv, append([]string{"tenants", "create", b.tenant}, b.storeArgs...)...); err != nil {
		return nil, err
	}
	out, err := runAdminChild(ctx, b.exe, b.storeEnv, append([]string{"clients", "create", "--tenant", b.tenant, "--scope", benchScopes(cfg.Workload)}, b.storeArgs...)...)
	if err != nil {
		return nil, err
	}
	var client struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	if err := json.Unmarshal(out, &client); err != nil {
		// Not quoting the output: it holds the client's secret.
		return nil, fmt.Errorf("clients create printed something else than its JSON: %w", err)
	}

	// Receivers: the healthy ones first, then the dead ones. Keys are known only once the
	// webhooks exist, so handlers look them up then.
	maxID := cfg.maxObjects()
	realistic := cfg.Workload == workloadRealistic
	var hookCollections []int // the realistic workload's collection of each webhook
	if realistic {
		hookCollections = make([]int, cfg.Webhooks)
		for i := range hookCollections {
			hookCollections[i] = i % len(realisticCollections)
		}
		b.versions = bench.NewVersionTracker(realisticCollections, hookCollections, 0, maxID)
		b.tracker = b.versions
	} else {
		b.tracker = bench.NewTracker(rep.Healthy, maxID)
	}
	keys := make([][]byte, cfg.Webhooks)
	var keysReady sync.WaitGroup
	keysReady.Add(1)
	ready := sync.OnceFunc(keysReady.Done)
	defer ready()
	b.servers, err = bench.StartServers(rep.Healthy, rep.Dead, bench.DeadMode(cfg.DeadMode), func(i int) http.Handler {
		var h http.Handler
		var once sync.Once
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			once.Do(func() {
				keysReady.Wait()
				h = b.tracker.Handler(i, keys[i])
			})
			h.ServeHTTP(w, r)
		})
	})
	if err != nil {
		return nil, err
	}
	defer b.servers.Close()

	serveArgs := append([]string{"--addr", "127.0.0.1:0", "--default-tenant", b.tenant,
		"--allow-private-destinations", "--allow-insecure-destinations",
		"--delivery-concurrency", strconv.Itoa(cfg.DeliveryConcurrency),
		// The loader is one client writing as fast as the server takes it: the per-client
		// limit would measure itself.
		"--rate-limit", "0"}, b.storeArgs...)
	if cfg.CPUProfile != "" {
		serveArgs = append(serveArgs, "--pprof")
	}
	serveArgs = append(serveArgs, strings.Fields(cfg.ServeFlags)...)

	var ld *loader
	var loadStart time.Time
	statementsBefore := make([]float64, cfg.Instances)
	attemptsBefore := map[string]float64{}
	cpuBefore := make([]time.Duration, cfg.Instances)
	var benchCPUBefore, machineBefore, databaseBefore time.Duration
	var measureDatabase bool // the database is a PostgreSQL on this machine
	var profileDone chan error
	var changesBefore []float64

	if cfg.Backlog > 0 {
		start := time.Now()
		b.logf("pre-filling %d changes x %d webhooks", maxID, cfg.Webhooks)
		got, err := prefillBacklog(ctx, b.dbPath, b.tenant, client.ClientID, b.servers.URLs, cfg.BatchSize, maxID, b.progress)
		if err != nil {
			return nil, err
		}
		copy(keys, got)
		ready()
		rep.PrefillSeconds = time.Since(start).Seconds()
		rep.Load.Changes = maxID
		benchCPUBefore = processCPU()
		machineBefore, _, _ = bench.MachineCPU()
		loadStart = time.Now()
		if err := b.startServers(ctx, serveArgs); err != nil {
			return rep, err
		}
		rep.StartupSeconds = time.Since(loadStart).Seconds()
		if cfg.CPUProfile != "" {
			profileDone = b.profile(ctx, 0)
		}
	} else {
		if err := b.startServers(ctx, serveArgs); err != nil {
			return rep, err
		}
		apis := make([]*benchAPI, len(b.children))
		for i, c := range b.children {
			if apis[i], err = newBenchAPI(ctx, c.addr, b.tenant, client.ClientID, client.ClientSecret); err != nil {
				return rep, err
			}
		}
		if realistic {
			b.logf("writing %d people, their contracts and a terminal", cfg.People)
			if err := realisticSetup(ctx, apis[0], cfg.People); err != nil {
				return rep, err
			}
		}
		for i, dest := range b.servers.URLs {
			collection := benchCollection
			if realistic {
				collection = realisticCollections[hookCollections[i]]
			}
			if _, keys[i], err = apis[0].createWebhook(ctx, dest, collection, cfg.BatchSize); err != nil {
				return rep, fmt.Errorf("create webhook %d: %w", i, err)
			}
		}
		ready()
		b.logf("%d webhooks created (%d healthy, %d dead); loading", cfg.Webhooks, rep.Healthy, rep.Dead)
		for i, c := range b.children {
			m, err := bench.Scrape(ctx, http.DefaultClient, "http://"+c.addr+"/metrics")
			if err != nil {
				return rep, err
			}
			statementsBefore[i] = m["shiftwire_db_statements_total"]
			addAttempts(attemptsBefore, m)
		}
		for i, c := range b.children {
			cpuBefore[i], _ = bench.CPUTime(c.pid())
		}
		benchCPUBefore = processCPU()
		machineBefore, _, _ = bench.MachineCPU()
		if cfg.DatabaseURL != "" {
			databaseBefore, measureDatabase = bench.CommandCPU("postgres")
		}
		ld = &loader{apis: apis, tracker: b.tracker, writeBatch: cfg.WriteBatch, maxID: maxID, healthy: int64(rep.Healthy), body: changesBody}
		if realistic {
			// The closed loop bounds the clocking events outstanding; the recalculated
			// totals' events follow them, in the same transactions.
			ld.body = realisticBody(cfg.People)
			ld.healthy = int64(countOf(hookCollections, 0))
			ld.received = func() int64 { return b.versions.ReceivedIn(0) }
			if changesBefore, err = b.committedChanges(ctx); err != nil {
				return rep, err
			}
		}
		loadCtx, stopLoad := context.WithTimeout(ctx, cfg.Duration)
		loadStart = time.Now()
		if cfg.CPUProfile != "" {
			profileDone = b.profile(ctx, 2*time.Second)
		}
		stopProgress := b.showProgress(ld, loadStart)
		if cfg.Rate > 0 {
			ld.fixedRate(ctx, loadCtx, cfg.Writers, cfg.Rate)
		} else {
			ld.closedLoop(ctx, loadCtx, cfg.Writers, cfg.maxPending())
		}
		stopLoad()
		stopProgress()
		loadSeconds := time.Since(loadStart).Seconds()
		rep.Load.Changes = ld.committed.Load()
		rep.Load.Requests = ld.requests.Load()
		rep.Load.Failed = ld.failed.Load()
		rep.Load.Late = ld.late.Load()
		rep.Load.Seconds = loadSeconds
		rep.Load.ChangesPerSec = float64(rep.Load.Changes) / loadSeconds
		rep.Load.WriteP50Ms = ms(ld.writeTime.Quantile(0.5))
		rep.Load.WriteP99Ms = ms(ld.writeTime.Quantile(0.99))
		if err := ld.err(); err != nil {
			rep.Load.Error = err.Error()
		}
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
	}

	pids := make([]int, len(b.children))
	for i, c := range b.children {
		pids[i] = c.pid()
	}
	sampler := bench.SampleRSS(pids, 100*time.Millisecond)
	rep.Events.Expected = rep.Load.Changes * int64(rep.Healthy)
	if realistic {
		// Recalculation writes only the totals that changed: how many events to expect is
		// what the servers committed during the load, per collection.
		changesAfter, err := b.committedChanges(ctx)
		if err != nil {
			return rep, err
		}
		r := &realisticReport{People: cfg.People, Clockings: rep.Load.Changes, Requests: rep.Load.Requests}
		rep.Events.Expected = 0
		var changes int64
		for i, coll := range realisticCollections {
			st := realisticCollStat{Collection: coll, Webhooks: countOf(hookCollections, i), Changes: int64(changesAfter[i] - changesBefore[i])}
			st.Expected = st.Changes * int64(st.Webhooks)
			b.versions.SetExpected(i, st.Expected)
			rep.Events.Expected += st.Expected
			changes += st.Changes
			r.Collections = append(r.Collections, st)
		}
		if r.Clockings > 0 {
			r.ChangesPerClocking = float64(changes) / float64(r.Clockings)
			r.EventsPerClocking = float64(rep.Events.Expected) / float64(r.Clockings)
		}
		if r.Requests > 0 {
			r.EventsPerRequest = float64(rep.Events.Expected) / float64(r.Requests)
		}
		rep.Realistic = r
	}
	b.logf("waiting for %d events", rep.Events.Expected)
	stopProgress := b.showProgress(ld, loadStart)
	waitErr := b.waitForEvents(ctx, rep.Events.Expected)
	stopProgress()
	sampler.Stop()

	stats := b.tracker.Stats()
	rep.Events.TrackerStats = stats
	rep.Events.Complete = b.tracker.Complete(rep.Events.Expected)
	if !stats.Last.IsZero() {
		rep.Seconds = stats.Last.Sub(loadStart).Seconds()
		rep.EventsPerSec = float64(stats.Received) / rep.Seconds
		if rep.Healthy > 0 {
			rep.PerHealthyWebhook = rep.EventsPerSec / float64(rep.Healthy)
		}
	}
	if r := rep.Realistic; r != nil {
		for i := range r.Collections {
			c := &r.Collections[i]
			c.Received = b.versions.ReceivedIn(i)
			if rep.Seconds > 0 {
				c.EventsPerSec = float64(c.Received) / rep.Seconds
			}
			// Events beyond what was committed would be events the bench did not cause.
			if c.Received > c.Expected {
				rep.Events.Unexpected += c.Received - c.Expected
			}
		}
	}
	if rep.Mode != "backlog" && b.tracker.LatencyHistogram().Count() > 0 {
		h := b.tracker.LatencyHistogram()
		rep.Latency = &struct {
			Count int64   `json:"count"`
			P50Ms float64 `json:"p50Ms"`
			P95Ms float64 `json:"p95Ms"`
			P99Ms float64 `json:"p99Ms"`
			MaxMs float64 `json:"maxMs"`
		}{h.Count(), ms(h.Quantile(0.5)), ms(h.Quantile(0.95)), ms(h.Quantile(0.99)), ms(h.Max())}
	}

	// The servers' side, read before they stop.
	rep.Attempts = map[string]float64{}
	for i, c := range b.children {
		s := benchServer{PID: c.pid()}
		if m, err := settledScrape(ctx, "http://"+c.addr+"/metrics"); err == nil {
			s.Statements = m["shiftwire_db_statements_total"] - statementsBefore[i]
			addAttempts(rep.Attempts, m)
		} else {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("scrape instance %d: %v", i, err))
		}
		if hwm, ok := bench.PeakRSS(c.pid()); ok {
			s.PeakRSSMiB = mib(hwm)
		}
		s.SampledPeakMiB, s.LastRSSMiB = mib(sampler.Peak(c.pid())), mib(sampler.Last(c.pid()))
		if cpu, ok := bench.CPUTime(c.pid()); ok {
			s.CPUSeconds = (cpu - cpuBefore[i]).Seconds()
		}
		rep.Statements += s.Statements
		rep.Servers = append(rep.Servers, s)
	}
	for k, v := range attemptsBefore {
		rep.Attempts[k] -= v
	}
	if stats.Received > 0 {
		rep.StatementsPerEvent = rep.Statements / float64(stats.Received)
	}
	rep.BenchCPUSeconds = (processCPU() - benchCPUBefore).Seconds()
	if databaseAfter, ok := bench.CommandCPU("postgres"); ok && measureDatabase && databaseAfter > databaseBefore {
		rep.DatabaseCPUSeconds = (databaseAfter - databaseBefore).Seconds()
		if stats.Received > 0 {
			rep.DatabaseCPUPerEventMs = 1000 * rep.DatabaseCPUSeconds / float64(stats.Received)
		}
	}
	if machineAfter, _, ok := bench.MachineCPU(); ok && machineBefore > 0 {
		rep.OtherCPUSeconds = (machineAfter - machineBefore).Seconds() - rep.BenchCPUSeconds
		for _, s := range rep.Servers {
			rep.OtherCPUSeconds -= s.CPUSeconds
		}
		rep.OtherCPUSeconds -= rep.DatabaseCPUSeconds
		rep.OtherCPUSeconds = max(rep.OtherCPUSeconds, 0)
		if rep.Seconds > 0 && rep.OtherCPUSeconds/rep.Seconds > 0.2*float64(rep.Machine.Cores) {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("other processes used %.1f CPU seconds during the run", rep.OtherCPUSeconds))
		}
	}
	if stats.BadSignatures > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d requests failed signature verification", stats.BadSignatures))
	}
	if stats.Unexpected > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d events or bodies the bench did not expect", stats.Unexpected))
	}
	if profileDone != nil {
		if err := <-profileDone; err != nil {
			rep.Warnings = append(rep.Warnings, "cpu profile: "+err.Error())
		} else {
			rep.Profile = cfg.CPUProfile
		}
	}

	// Shut down: free the attempts stuck on hanging destinations, then SIGTERM.
	b.servers.ReleaseHanging()
	if err := b.stopAll(); err != nil {
		rep.Warnings = append(rep.Warnings, err.Error())
	}

	if cfg.Ceiling > 0 && ctx.Err() == nil {
		b.logf("measuring the bare HTTP ceiling for %s", cfg.Ceiling)
		perHost, maxInFlight := cfg.DeliveryConcurrency, delivery.DefaultConfig().MaxInFlight
		if cfg.CeilingConcurrency > 0 {
			perHost = (cfg.CeilingConcurrency + rep.Healthy - 1) / rep.Healthy
			maxInFlight = cfg.CeilingConcurrency
		}
		c, err := bench.Ceiling(ctx, bench.CeilingConfig{
			Destinations: rep.Healthy,
			PerHost:      perHost,
			MaxInFlight:  maxInFlight,
			Duration:     cfg.Ceiling,
			Body:         eventBody,
			Transport:    delivery.NewTransport(true, 10*time.Second),
		})
		if err != nil {
			rep.Warnings = append(rep.Warnings, err.Error())
		} else {
			if c.OtherCPUSeconds > 0.2*float64(rep.Machine.Cores)*c.Duration.Seconds() {
				rep.Warnings = append(rep.Warnings, fmt.Sprintf("other processes used %.1f CPU seconds during the ceiling run", c.OtherCPUSeconds))
			}
			rep.Ceiling = &c
			if cfg.BatchSize == 0 && !realistic && c.PerSecond > 0 {
				rep.ShareOfCeiling = rep.EventsPerSec / c.PerSecond
			}
		}
	}
	if waitErr != nil {
		return rep, waitErr
	}
	return rep, nil
}

// startServers starts the configured number of serve processes.
func (b *benchRun) startServers(ctx context.Context, args []string) error {
	for i := range b.cfg.Instances {
		c, err := startServeChild(ctx, b.exe, args, b.storeEnv, filepath.Join(b.dir, fmt.Sprintf("serve-%d.log", i)))
		if err != nil {
			return err
		}
		b.children = append(b.children, c)
		b.logf("serve %d (pid %d) listening on %s", i, c.pid(), c.addr)
	}
	return nil
}

// stopAll stops every server still running; it is safe to call more than once.
func (b *benchRun) stopAll() error {
	var errs []error
	for _, c := range b.children {
		if err := c.stop(30 * time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	b.children = b.children[:0:0]
	return errors.Join(errs...)
}

// waitForEvents waits until expected distinct events arrived, the timeout passed, or a
// server died.
func (b *benchRun) waitForEvents(ctx context.Context, expected int64) error {
	deadline := time.NewTimer(b.cfg.Timeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !b.tracker.Complete(expected) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("timed out after %s with %d of %d events received", b.cfg.Timeout, b.tracker.Received(), expected)
		case <-tick.C:
		}
		for _, c := range b.children {
			if c.exited() {
				return fmt.Errorf("%w: %v; log: %s", errChildExited, c.waitErr, tail(c.logPath))
			}
		}
	}
	return nil
}

// showProgress prints the events received every five seconds until the returned function
// is called.
func (b *benchRun) showProgress(ld *loader, start time.Time) func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		last, lastAt := b.tracker.Received(), time.Now()
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				got := b.tracker.Received()
				line := fmt.Sprintf("%5.0fs: %d events received, %.0f/s now", now.Sub(start).Seconds(), got,
					float64(got-last)/now.Sub(lastAt).Seconds())
				if ld != nil {
					line += fmt.Sprintf(", %d changes written, %d outstanding", ld.committed.Load(), ld.outstanding())
				}
				for _, c := range b.children {
					if rss, ok := bench.RSS(c.pid()); ok {
						line += fmt.Sprintf(", serve RSS %.0f MiB", mib(rss))
					}
				}
				b.logf("%s", line)
				last, lastAt = got, now
			}
		}
	}()
	return func() {
		close(stop)
		<-done
	}
}

// profile takes a CPU profile of instance i after delay, in the background, and writes it to
// the --cpuprofile file.
func (b *benchRun) profile(ctx context.Context, delay time.Duration) chan error {
	done := make(chan error, 1)
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", b.children[0].addr, b.cfg.ProfileSeconds)
	go func() {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			done <- ctx.Err()
			return
		}
		b.logf("profiling serve for %ds", b.cfg.ProfileSeconds)
		client := &http.Client{Timeout: time.Duration(b.cfg.ProfileSeconds)*time.Second + 30*time.Second}
		resp, err := client.Get(url)
		if err != nil {
			done <- err
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			done <- fmt.Errorf("GET %s: %s", url, resp.Status)
			return
		}
		f, err := os.Create(b.cfg.CPUProfile)
		if err != nil {
			done <- err
			return
		}
		_, err = io.Copy(f, resp.Body)
		done <- errors.Join(err, f.Close())
	}()
	return done
}

// settledScrape scrapes url until the delivery attempts it counts stop moving, for at most
// two seconds: a receiver has an event before the server has read its answer and counted
// the attempt, so the last attempts of a run may still be on their way.
func settledScrape(ctx context.Context, url string) (map[string]float64, error) {
	total := func(m map[string]float64) float64 {
		attempts := map[string]float64{}
		addAttempts(attempts, m)
		sum := 0.0
		for _, v := range attempts {
			sum += v
		}
		return sum
	}
	m, err := bench.Scrape(ctx, http.DefaultClient, url)
	for deadline := time.Now().Add(2 * time.Second); err == nil && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		next, nextErr := bench.Scrape(ctx, http.DefaultClient, url)
		if nextErr != nil || total(next) == total(m) {
			return m, nil
		}
		m = next
	}
	return m, err
}

// addAttempts adds the delivery attempts by outcome from a scrape to into.
func addAttempts(into map[string]float64, m map[string]float64) {
	const prefix = `shiftwire_delivery_attempts_total{outcome="`
	for k, v := range m {
		if outcome, ok := strings.CutPrefix(k, prefix); ok {
			into[strings.TrimSuffix(outcome, `"}`)] += v
		}
	}
}

// revision returns the VCS revision the go command stamped into the binary, if any.
func revision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+modified"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return rev + modified
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func mib(bytes int64) float64 { return float64(bytes) / (1 << 20) }

// printBenchReport prints the report for people.
func printBenchReport(w io.Writer, r *benchReport) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	title := "shiftwire bench"
	if r.Label != "" {
		title += ": " + r.Label
	}
	p("%s (%s)", title, r.Date.Format(time.RFC3339))
	p("  machine     %s, %d cores, %d MiB, %s %s/%s", r.Machine.CPU, r.Machine.Cores, r.Machine.MemoryMiB, r.Machine.GoVersion, r.Machine.OS, r.Machine.Arch)
	p("  command     %s", r.Command)
	if r.Revision != "" {
		p("  revision    %s", r.Revision)
	}
	mode := r.Mode
	if r.OfferedRate > 0 {
		mode += fmt.Sprintf(", %.0f changes/s offered", r.OfferedRate)
	}
	batch := "one event per request"
	if r.BatchSize > 0 {
		batch = fmt.Sprintf("batch mode, up to %d events per request", r.BatchSize)
	}
	hooks := fmt.Sprintf("%d webhooks", r.Webhooks)
	if r.Dead > 0 {
		hooks += fmt.Sprintf(" (%d healthy, %d dead: %s)", r.Healthy, r.Dead, r.DeadMode)
	}
	p("  setup       %s, %d instance(s), %s, %s, delivery concurrency %d, %s",
		r.Store, r.Instances, hooks, batch, r.DeliveryConcurrency, mode)
	if r.Mode == "backlog" {
		p("  backlog     %d changes pre-filled in %.1fs; server started in %.2fs", r.Load.Changes, r.PrefillSeconds, r.StartupSeconds)
	} else {
		p("  load        %d changes in %d requests over %.1fs (%.0f changes/s), write p50 %.1f ms, p99 %.1f ms, %d failed, %d late",
			r.Load.Changes, r.Load.Requests, r.Load.Seconds, r.Load.ChangesPerSec, r.Load.WriteP50Ms, r.Load.WriteP99Ms, r.Load.Failed, r.Load.Late)
	}
	if r.Load.Error != "" {
		p("  load error  %s", r.Load.Error)
	}
	e := r.Events
	complete := "all arrived"
	if !e.Complete {
		complete = "INCOMPLETE"
	}
	p("  events      %d of %d received (%s), %d duplicates, %d requests", e.Received, e.Expected, complete, e.Duplicates, e.Requests)
	p("  throughput  %.0f events/s end to end (%.1f per healthy webhook) over %.2fs", r.EventsPerSec, r.PerHealthyWebhook, r.Seconds)
	if rr := r.Realistic; rr != nil {
		p("  workload    realistic: %d people clocking, %d clockings in %d write requests; %.2f changes per clocking (recalculation included)",
			rr.People, rr.Clockings, rr.Requests, rr.ChangesPerClocking)
		p("  per write   %.1f events per write request, %.2f per clocking written", rr.EventsPerRequest, rr.EventsPerClocking)
		for _, c := range rr.Collections {
			p("  %-17s %d webhook(s), %d changes, %d of %d events, %.0f events/s", c.Collection, c.Webhooks, c.Changes, c.Received, c.Expected, c.EventsPerSec)
		}
	}
	if r.Latency != nil {
		l := r.Latency
		of := ""
		if r.Realistic != nil {
			of = ", clockings' events only"
		}
		p("  latency     p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms (from the write request being sent to receipt; %d events%s)",
			l.P50Ms, l.P95Ms, l.P99Ms, l.MaxMs, l.Count, of)
	}
	p("  statements  %.0f in all, %.2f per delivered event", r.Statements, r.StatementsPerEvent)
	if len(r.Attempts) > 0 {
		var parts []string
		for _, k := range []string{"Succeeded", "Failed", "TimedOut", "ConnectionFailed"} {
			if v, ok := r.Attempts[k]; ok {
				parts = append(parts, fmt.Sprintf("%s %.0f", k, v))
			}
		}
		p("  attempts    %s", strings.Join(parts, ", "))
	}
	for i, s := range r.Servers {
		p("  serve %d     peak RSS %.1f MiB (VmHWM; sampled peak %.1f, last %.1f), CPU %.1fs, %.0f statements",
			i, s.PeakRSSMiB, s.SampledPeakMiB, s.LastRSSMiB, s.CPUSeconds, s.Statements)
	}
	if r.DatabaseCPUSeconds > 0 {
		p("  database    PostgreSQL on this machine: CPU %.1fs, %.3f ms per delivered event", r.DatabaseCPUSeconds, r.DatabaseCPUPerEventMs)
	}
	p("  bench CPU   %.1fs (receivers and load); other processes %.1fs; machine %.0f %% busy before the run, load average %.2f",
		r.BenchCPUSeconds, r.OtherCPUSeconds, 100*r.BusyBefore, r.LoadAverage)
	if c := r.Ceiling; c != nil {
		p("  ceiling     %.0f requests/s, bare Go client and server, %d in flight, over %.1fs after a warm-up (other processes: %.1f CPU s)",
			c.PerSecond, c.Concurrency, c.Duration.Seconds(), c.OtherCPUSeconds)
		if r.ShareOfCeiling > 0 {
			p("  share       %.1f %% of the ceiling", 100*r.ShareOfCeiling)
		}
	}
	if r.Profile != "" {
		p("  profile     %s (go tool pprof -top %s)", r.Profile, r.Profile)
	}
	for _, w := range r.Warnings {
		p("  warning     %s", w)
	}
}

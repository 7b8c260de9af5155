package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"strings"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/auth"
)

// Config is every setting of shiftwire, with its defaults in defaultConfig.
type Config struct {
	Addr          string
	DBPath        string
	DatabaseURL   string // may hold a password: never logged
	MasterKey     string // base64 of 32 bytes: never logged
	BaseDomain    string
	DefaultTenant string
	Dev           bool

	AllowPrivateDestinations  bool
	AllowInsecureDestinations bool

	MetricsAddr     string // "": /metrics is served on Addr
	MetricsInterval time.Duration

	WebhookValidity      time.Duration
	DeliveryTimeout      time.Duration
	DeliveryConcurrency  int
	DeliveryLease        time.Duration // 0: the engine's default
	DisableAfter         time.Duration
	DeliveryLogRetention time.Duration
	KeyOverlap           time.Duration
	ExpiryNotice         time.Duration
	ShutdownTimeout      time.Duration
	OIDCIssuer           string
	OIDCAudience         string
	Pprof                bool

	RateLimit      float64 // API requests a second per client; 0: off
	RateBurst      int
	TokenRateLimit int // successful token requests a minute per client; 0: off
}

func defaultConfig() Config {
	return Config{
		Addr:                 "127.0.0.1:8080",
		DBPath:               "./shiftwire.db",
		BaseDomain:           "localhost",
		WebhookValidity:      shiftwire.DefaultWebhookValidity,
		DeliveryTimeout:      10 * time.Second,
		DeliveryConcurrency:  8,
		DisableAfter:         72 * time.Hour,
		DeliveryLogRetention: shiftwire.DefaultRetention,
		KeyOverlap:           shiftwire.DefaultKeyOverlap,
		ExpiryNotice:         shiftwire.DefaultExpiryNotice,
		ShutdownTimeout:      15 * time.Second,
		MetricsInterval:      15 * time.Second,
		RateLimit:            auth.DefaultRateLimit,
		RateBurst:            auth.DefaultRateBurst,
		TokenRateLimit:       auth.DefaultTokenRateLimit,
	}
}

// registerStoreFlags adds the flags that choose and open the database, shared by every
// command.
func (c *Config) registerStoreFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DBPath, "db", c.DBPath, "SQLite database file")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL URL (postgres://...); replaces --db")
	fs.StringVar(&c.MasterKey, "master-key", c.MasterKey, "base64 of 32 bytes that encrypts signing keys at rest (default with SQLite: generated into <db>.key)")
}

// registerServeFlags adds the flags of serve.
func (c *Config) registerServeFlags(fs *flag.FlagSet) {
	c.registerStoreFlags(fs)
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "serve /metrics on this address instead of --addr")
	fs.DurationVar(&c.MetricsInterval, "metrics-interval", c.MetricsInterval, "how often the backlog and webhook gauges are read from the database (at least 1s)")
	fs.StringVar(&c.BaseDomain, "base-domain", c.BaseDomain, "domain under which the first Host label names the tenant")
	fs.StringVar(&c.DefaultTenant, "default-tenant", c.DefaultTenant, "tenant for hosts outside the base domain (default demo with --dev, none otherwise)")
	fs.BoolVar(&c.Dev, "dev", c.Dev, "development mode, on a loopback --addr only: demo tenant, client and data, http and loopback destinations, readable logs")
	fs.BoolVar(&c.AllowPrivateDestinations, "allow-private-destinations", c.AllowPrivateDestinations, "allow loopback and private destination addresses")
	fs.BoolVar(&c.AllowInsecureDestinations, "allow-insecure-destinations", c.AllowInsecureDestinations, "allow http:// destinations")
	fs.DurationVar(&c.WebhookValidity, "webhook-validity", c.WebhookValidity, "how long a new webhook lives")
	fs.DurationVar(&c.DeliveryTimeout, "delivery-timeout", c.DeliveryTimeout, "time a destination has to answer one attempt")
	fs.IntVar(&c.DeliveryConcurrency, "delivery-concurrency", c.DeliveryConcurrency, "requests in flight at once per webhook")
	fs.DurationVar(&c.DeliveryLease, "delivery-lease", c.DeliveryLease, "how long a claimed delivery stays with its instance before another may take it over, longer than --delivery-timeout (default 30s, or twice --delivery-timeout if longer)")
	fs.DurationVar(&c.DisableAfter, "disable-after", c.DisableAfter, "disable a webhook whose destination has had no success for this long")
	fs.DurationVar(&c.DeliveryLogRetention, "delivery-log-retention", c.DeliveryLogRetention, "how long delivery attempts are kept for the debugging endpoints")
	fs.DurationVar(&c.KeyOverlap, "key-overlap", c.KeyOverlap, "how long a webhook's previous key keeps signing beside the new one after rotate-key")
	fs.DurationVar(&c.ExpiryNotice, "expiry-notice", c.ExpiryNotice, "how long before a webhook's validUntil its ExpiringSoon lifecycle notice is sent")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long a shutdown waits for requests and deliveries in flight")
	fs.StringVar(&c.OIDCIssuer, "oidc-issuer", c.OIDCIssuer, "also accept access tokens of this OpenID provider (an https URL; http only with --dev)")
	fs.StringVar(&c.OIDCAudience, "oidc-audience", c.OIDCAudience, "the audience (aud) the --oidc-issuer provider puts in access tokens for Shiftwire; required with --oidc-issuer")
	fs.Float64Var(&c.RateLimit, "rate-limit", c.RateLimit, "API requests a second each client may make after a burst of --rate-burst, on this instance; beyond it 429 with Retry-After (0: no limit)")
	fs.IntVar(&c.RateBurst, "rate-burst", c.RateBurst, "API requests each client may make at once before --rate-limit applies")
	fs.IntVar(&c.TokenRateLimit, "token-rate-limit", c.TokenRateLimit, "successful token requests a minute each client may make, on this instance; beyond it 429 with Retry-After (0: no limit)")
	fs.BoolVar(&c.Pprof, "pprof", c.Pprof, "serve Go's runtime profiles under /debug/pprof/ to loopback clients (for shiftwire bench --cpuprofile)")
}

// Validate checks the settings that serve uses.
func (c *Config) Validate() error {
	var problems []string
	if c.Addr == "" {
		problems = append(problems, "--addr is empty")
	}
	if c.DatabaseURL == "" && c.DBPath == "" {
		problems = append(problems, "give --db or --database-url")
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		problems = append(problems, "--database-url must start with postgres://")
	}
	if c.DatabaseURL != "" && c.MasterKey == "" {
		problems = append(problems, "--master-key is required with --database-url, the same on every instance")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--webhook-validity", c.WebhookValidity}, {"--delivery-timeout", c.DeliveryTimeout}, {"--disable-after", c.DisableAfter}, {"--delivery-log-retention", c.DeliveryLogRetention},
		{"--key-overlap", c.KeyOverlap}, {"--expiry-notice", c.ExpiryNotice}} {
		if d.v <= 0 {
			problems = append(problems, d.name+" must be positive")
		}
	}
	if c.DeliveryLease < 0 || (c.DeliveryLease > 0 && c.DeliveryLease <= c.DeliveryTimeout) {
		// An attempt that outlives its lease may be sent again by another instance at once.
		problems = append(problems, "--delivery-lease must be longer than --delivery-timeout")
	}
	if c.DeliveryConcurrency < 1 || c.DeliveryConcurrency > 1000 {
		problems = append(problems, "--delivery-concurrency must be from 1 to 1000")
	}
	if c.MetricsInterval < time.Second {
		// Each read counts the whole delivery queue.
		problems = append(problems, "--metrics-interval must be at least 1s")
	}
	if !(c.RateLimit >= 0) || math.IsInf(c.RateLimit, 0) {
		problems = append(problems, "--rate-limit must be 0 (no limit) or a positive number of requests a second")
	}
	if c.RateLimit > 0 && c.RateBurst < 1 {
		problems = append(problems, "--rate-burst must be at least 1")
	}
	if c.TokenRateLimit < 0 {
		problems = append(problems, "--token-rate-limit must be 0 (no limit) or a positive number of token requests a minute")
	}
	if c.OIDCIssuer != "" {
		// Without an audience, a token the provider issued for any other application of the
		// company would be accepted.
		if c.OIDCAudience == "" {
			problems = append(problems, "--oidc-audience is required with --oidc-issuer: the aud value the provider puts in access tokens for Shiftwire")
		}
		if err := auth.CheckIssuerURL(c.OIDCIssuer, c.Dev); err != nil {
			problems = append(problems, "--oidc-issuer: "+strings.TrimPrefix(err.Error(), "auth: "))
		}
	} else if c.OIDCAudience != "" {
		problems = append(problems, "--oidc-audience needs --oidc-issuer")
	}
	if c.Dev && !isLoopback(c.Addr) {
		// The demo client's secret is in the README: a dev server is for one machine.
		problems = append(problems, fmt.Sprintf("--dev listens only on a loopback address (127.0.0.1, ::1 or localhost), not %q", c.Addr))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// isLoopback reports whether the listen address addr accepts connections from this machine
// only.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// applyDev turns on what --dev implies.
func (c *Config) applyDev() {
	if !c.Dev {
		return
	}
	c.AllowPrivateDestinations = true
	c.AllowInsecureDestinations = true
	if c.DefaultTenant == "" {
		c.DefaultTenant = devTenant
	}
}

// parseFlags parses args into fs, allowing flags after positional arguments, with each
// flag's SHIFTWIRE_* environment variable as its default. It returns the positional
// arguments.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string, stdout, stderr io.Writer) ([]string, error) {
	// Help asked for is the command's output, for a pager or grep; help shown because of a
	// mistake goes with the error, to stderr. The flag package writes both to one output, so
	// it writes to a buffer that goes where the outcome says.
	var usage bytes.Buffer
	fs.SetOutput(&usage)
	defer fs.SetOutput(stderr)
	setUsage(fs)
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		if v := getenv(name); v != "" {
			if err := f.Value.Set(v); err != nil && envErr == nil {
				envErr = fmt.Errorf("%s: %w", name, err)
			}
		}
	})
	if envErr != nil {
		return nil, envErr
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage.WriteTo(stdout)
			} else {
				usage.WriteTo(stderr)
			}
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// stringList is a flag that may be repeated and whose values may hold several
// space-separated items.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, " ") }

func (l *stringList) Set(v string) error {
	*l = append(*l, strings.Fields(v)...)
	return nil
}

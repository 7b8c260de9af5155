package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shiftwire/shiftwire/internal/signing"
)

// CeilingConfig describes a ceiling run.
type CeilingConfig struct {
	Destinations int           // receivers, each on its own port, like the run's webhooks
	PerHost      int           // requests in flight at once per receiver
	MaxInFlight  int           // requests in flight at once in all
	Duration     time.Duration // how long to post
	// Body returns the event for object id, rendered as Shiftwire renders it.
	Body func(id int64) []byte
	// Transport is the client's transport; Shiftwire's own delivery transport makes the
	// comparison one of everything but the transport.
	Transport http.RoundTripper
}

// CeilingResult is what a ceiling run measured.
type CeilingResult struct {
	// Requests succeeded within the measured window, which leaves out the first fifth of the
	// run: the time it takes to open every connection is not the steady state.
	Requests      int64         `json:"requests"`
	Failed        int64         `json:"failed"`
	Duration      time.Duration `json:"durationNs"` // of the measured window
	PerSecond     float64       `json:"perSecond"`
	Concurrency   int           `json:"concurrency"`
	BadSignatures int64         `json:"badSignatures"`
	// CPUSeconds is the machine's CPU used in the window, and OtherCPUSeconds the part of it
	// that other processes used: a ceiling taken while others were busy is too low.
	CPUSeconds      float64 `json:"cpuSeconds"`
	OtherCPUSeconds float64 `json:"otherCpuSeconds"`
}

// Ceiling measures the most one-event requests per second a bare Go client and server pair
// make on this machine: the client signs and posts the same bodies, with the same headers
// and the same concurrency, to receivers that do what the run's receivers do (verify the
// signature, find the event's id, answer 200). Shiftwire's one-event-per-request throughput
// is reported as a share of this.
func Ceiling(ctx context.Context, cfg CeilingConfig) (CeilingResult, error) {
	conc := min(cfg.Destinations*cfg.PerHost, cfg.MaxInFlight)
	key, err := signing.NewKey()
	if err != nil {
		return CeilingResult{}, err
	}
	// The ceiling's own tracker: its ids wrap around, so it only counts.
	tracker := NewTracker(cfg.Destinations, 1<<16)
	servers, err := StartServers(cfg.Destinations, 0, DeadRefuse, func(i int) http.Handler {
		return tracker.Handler(i, key)
	})
	if err != nil {
		return CeilingResult{}, err
	}
	defer servers.Close()
	client := &http.Client{
		Transport:     cfg.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	signer := signing.NewSigner(key)

	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	warmUp := cfg.Duration / 5
	var measuring atomic.Bool
	var done, failed atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conc {
		dest := servers.URLs[w%cfg.Destinations]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				id := next.Add(1)%(1<<16-1) + 1
				body := cfg.Body(id)
				now := time.Now()
				msgID := "msg_ceiling_" + strconv.FormatInt(id, 10)
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, dest, bytes.NewReader(body))
				if err != nil {
					failed.Add(1)
					return
				}
				req.Header = http.Header{
					"Content-Type":      {"application/json"},
					"User-Agent":        {"Shiftwire-ceiling"},
					"Webhook-Id":        {msgID},
					"Webhook-Timestamp": {strconv.FormatInt(now.Unix(), 10)},
					"Webhook-Signature": {string(signer.Sign(nil, msgID, now.Unix(), body))},
				}
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						failed.Add(1)
					}
					continue
				}
				io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
				resp.Body.Close()
				if !measuring.Load() {
					continue
				}
				if resp.StatusCode/100 == 2 {
					done.Add(1)
				} else {
					failed.Add(1)
				}
			}
		}()
	}
	time.Sleep(time.Until(start.Add(warmUp)))
	machine0, _, _ := MachineCPU()
	self0, _ := CPUTime(os.Getpid())
	windowStart := time.Now()
	measuring.Store(true)
	<-ctx.Done()
	// Requests still in flight at the end fail with the context; they are not counted.
	n, f := done.Load(), failed.Load()
	elapsed := time.Since(windowStart)
	machine1, _, _ := MachineCPU()
	self1, _ := CPUTime(os.Getpid())
	wg.Wait()
	r := CeilingResult{
		Requests:        n,
		Failed:          f,
		Duration:        elapsed,
		PerSecond:       float64(n) / elapsed.Seconds(),
		Concurrency:     conc,
		BadSignatures:   tracker.Stats().BadSignatures,
		CPUSeconds:      (machine1 - machine0).Seconds(),
		OtherCPUSeconds: max(0, (machine1 - machine0 - (self1 - self0)).Seconds()),
	}
	if r.Requests == 0 {
		return r, fmt.Errorf("ceiling: no request succeeded (%d failed)", r.Failed)
	}
	return r, nil
}

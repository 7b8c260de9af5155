package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A client over its --rate-limit gets 429 with Retry-After and Protime's error body, while
// another client of the same tenant goes on; a client over --token-rate-limit gets the same.
func TestRateLimitThroughRun(t *testing.T) {
	// One request every 10 s after a burst of 2: the test cannot refill a bucket by being slow.
	f := newFixture(t, "--rate-limit", "0.1", "--rate-burst", "2", "--token-rate-limit", "2")

	for i := range 2 {
		if r := f.call(f.acme, http.MethodGet, webhooksPath, ""); r.status != http.StatusOK {
			t.Fatalf("request %d of the burst: %d %s", i+1, r.status, r.body)
		}
	}
	r := f.call(f.acme, http.MethodGet, webhooksPath, "")
	r.wantError(t, http.StatusTooManyRequests, "TooManyRequests")
	wantRetryAfter(t, r, 10)

	// Another client of the same tenant has its own bucket.
	f.call(f.spare, http.MethodGet, webhooksPath, "").wantStatus(t, http.StatusOK)
	// The health checks are not limited.
	for range 3 {
		if status, _ := httpGet(t, "http://"+f.addr+"/readyz"); status != http.StatusOK {
			t.Fatalf("/readyz: %d", status)
		}
	}

	// Successful token requests: the fixture fetched one each for acme and spare; narrow has
	// two before it is refused.
	f.tokenFor(f.narrow)
	f.tokenFor(f.narrow)
	r = f.postForm("/tenants/acme/connect/token", tokenForm(f.narrow), nil)
	r.wantError(t, http.StatusTooManyRequests, "TooManyRequests")
	wantRetryAfter(t, r, 30) // 2 a minute: one every 30 s
	f.tokenFor(f.nyc)
}

// wantRetryAfter checks that r's Retry-After is a whole number of seconds from 1 to most.
func wantRetryAfter(t *testing.T, r *apiResponse, most int) {
	t.Helper()
	v := r.header.Get("Retry-After")
	if n, err := strconv.Atoi(v); err != nil || n < 1 || n > most {
		t.Fatalf("Retry-After %q, want whole seconds from 1 to %d", v, most)
	}
}

func TestRateLimitFlagsValidated(t *testing.T) {
	for _, args := range [][]string{
		{"--rate-limit", "-1"},
		{"--rate-limit", "NaN"},
		{"--rate-limit", "+Inf"},
		{"--rate-burst", "0"},
		{"--token-rate-limit", "-1"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			err := run(ctx, append([]string{"serve", "--db", tempDB(t), "--addr", "127.0.0.1:0"}, args...), env{}.getenv, &syncBuffer{}, &syncBuffer{})
			if err == nil || !strings.Contains(err.Error(), args[0]) {
				t.Fatalf("serve %s: %v, want an error naming %s", strings.Join(args, " "), err, args[0])
			}
		})
	}
	// With the limit off, the burst does not matter.
	cfg := defaultConfig()
	cfg.RateLimit, cfg.RateBurst = 0, 0
	if err := cfg.Validate(); err != nil {
		t.Fatalf("--rate-limit 0 --rate-burst 0: %v", err)
	}
}

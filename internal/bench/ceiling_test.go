package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire/internal/bench"
	"github.com/shiftwire/shiftwire/internal/delivery"
)

func TestCeiling(t *testing.T) {
	for _, dests := range []int{10, 50, 100} {
		r, err := bench.Ceiling(context.Background(), bench.CeilingConfig{
			Destinations: dests, PerHost: 8, MaxInFlight: 1024, Duration: 2 * time.Second,
			Body: func(id int64) []byte {
				return []byte(`{"changeType":"InsertOrUpdate","data":{"changeVersion":"00000000000000000001","id":1}}`)
			},
			Transport: delivery.NewTransport(true, 10*time.Second),
		})
		t.Logf("%d: %+v %v", dests, r, err)
	}
}

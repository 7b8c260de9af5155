package bench

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire/internal/signing"
)

func TestEachEventID(t *testing.T) {
	tests := []struct {
		body string
		want []int64
		ok   bool
	}{
		{`{"changeType":"InsertOrUpdate","data":{"changeVersion":"0000000000000000002A","id":12,"name":{"default":"x"}}}`, []int64{12}, true},
		{`{"changeType":"Delete","data":{"changeVersion":"0000000000000000002B","id":7}}`, []int64{7}, true},
		{`{"value":[{"changeType":"InsertOrUpdate","data":{"changeVersion":"00000000000000000001","id":1}},` +
			`{"changeType":"InsertOrUpdate","data":{"changeVersion":"00000000000000000002","id":2}}]}`, []int64{1, 2}, true},
		// Another layout: decoded as JSON.
		{`{"data":{"id":5,"changeVersion":"00000000000000000001"}}`, []int64{5}, true},
		{`{"value":[{"data":{"id":3}},{"data":{"id":4}}]}`, []int64{3, 4}, true},
		{`{"data":{"changeVersion":"short","id":9}}`, []int64{9}, true},
		{`{}`, nil, false},
		{`not json`, nil, false},
	}
	for _, tt := range tests {
		var got []int64
		ok := eachEventID([]byte(tt.body), func(id int64) { got = append(got, id) })
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, %v; want %v, %v", tt.body, got, ok, tt.want, tt.ok)
		}
	}
}

func TestHistogram(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 {
		t.Fatal("empty histogram has a median")
	}
	for i := 1; i <= 1000; i++ {
		h.Observe(time.Duration(i) * time.Millisecond)
	}
	for _, q := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.99, 990 * time.Millisecond}, {1, time.Second}} {
		got := h.Quantile(q.q)
		if d := got - q.want; d < -q.want/50 || d > q.want/50 {
			t.Errorf("Quantile(%v) = %v, want %v within 2 %%", q.q, got, q.want)
		}
	}
	if h.Max() != time.Second || h.Count() != 1000 {
		t.Errorf("Max, Count = %v, %d", h.Max(), h.Count())
	}
	h.Observe(-time.Second)
	if h.Quantile(0) != 0 {
		t.Errorf("a negative duration is not counted as zero")
	}
}

func TestBuckets(t *testing.T) {
	for _, v := range []uint64{0, 1, 63, 64, 65, 127, 128, 1000, 123456, 1 << 40, 1<<63 - 1} {
		i := bucketOf(v)
		if lo := lowest(i); lo > v || (i+1 < maxBuckets && lowest(i+1) <= v) {
			t.Errorf("%d in bucket %d of [%d, %d)", v, i, lo, lowest(i+1))
		}
	}
}

// post signs and sends body to url as Shiftwire would.
func post(t *testing.T, url string, key []byte, body string) int {
	t.Helper()
	now := time.Now()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
	req.Header.Set(signing.HeaderID, "msg_1")
	req.Header.Set(signing.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(signing.HeaderSignature, string(signing.NewSigner(key).Sign(nil, "msg_1", now.Unix(), []byte(body))))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestReceivers(t *testing.T) {
	tr := NewTracker(2, 10)
	key, _ := signing.NewKey()
	s, err := StartServers(2, 2, DeadRefuse, func(i int) http.Handler { return tr.Handler(i, key) })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(s.URLs) != 4 {
		t.Fatalf("%d URLs", len(s.URLs))
	}
	tr.Sent(1, 3, time.Now())
	ev := func(id int) string {
		return `{"changeType":"InsertOrUpdate","data":{"changeVersion":"0000000000000000000` + strconv.Itoa(id) + `","id":` + strconv.Itoa(id) + `}}`
	}
	for _, c := range []struct {
		dest int
		body string
		want int
	}{{0, ev(1), 200}, {1, ev(1), 200}, {0, ev(1), 200}, {0, ev(2), 200}, {1, ev(11), 200}} {
		if got := post(t, s.URLs[c.dest], key, c.body); got != c.want {
			t.Errorf("POST %s to %d: %d", c.body, c.dest, got)
		}
	}
	if got := post(t, s.URLs[0], []byte("another key"), ev(3)); got != http.StatusUnauthorized {
		t.Errorf("wrong signature answered %d", got)
	}
	st := tr.Stats()
	if st.Received != 3 || st.Duplicates != 1 || st.Unexpected != 1 || st.BadSignatures != 1 || st.Requests != 6 {
		t.Errorf("stats %+v", st)
	}
	if tr.Latency.Count() != 3 {
		t.Errorf("%d latencies", tr.Latency.Count())
	}
	if _, err := http.Post(s.URLs[2], "application/json", nil); err == nil {
		t.Error("a refusing destination answered")
	}
}

func TestHangingDestination(t *testing.T) {
	s, err := StartServers(0, 1, DeadHang, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	client := &http.Client{Timeout: 200 * time.Millisecond}
	_, err = client.Post(s.URLs[0], "application/json", nil)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("hanging destination: %v, want a timeout", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := http.Post(s.URLs[0], "application/json", nil)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	s.ReleaseHanging()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a released hanging destination answered")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReleaseHanging left a request hanging")
	}
}

func TestCeiling(t *testing.T) {
	r, err := Ceiling(context.Background(), CeilingConfig{
		Destinations: 2, PerHost: 2, MaxInFlight: 3, Duration: 200 * time.Millisecond,
		Body:      func(id int64) []byte { return []byte(`{"data":{"changeVersion":"00000000000000000001","id":1}}`) },
		Transport: &http.Transport{},
	})
	if err != nil || r.Requests == 0 || r.Concurrency != 3 || r.BadSignatures != 0 || r.Failed != 0 {
		t.Fatalf("Ceiling = %+v, %v", r, err)
	}
}

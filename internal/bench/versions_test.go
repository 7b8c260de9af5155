package bench

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire/internal/signing"
)

func TestEachEventVersion(t *testing.T) {
	tests := []struct {
		body string
		want []int64 // version, id pairs
		ok   bool
	}{
		{`{"changeType":"InsertOrUpdate","data":{"changeVersion":"0000000000000000002A","id":12,"date":"2025-01-06"}}`, []int64{42, 12}, true},
		{`{"value":[{"changeType":"InsertOrUpdate","data":{"changeVersion":"00000000000000000001","id":1}},` +
			`{"changeType":"Delete","data":{"changeVersion":"00000000000000000010","id":2}}]}`, []int64{1, 1, 16, 2}, true},
		{`{"data":{"id":5,"changeVersion":"00000000000000000003"}}`, []int64{3, 5}, true},
		{`{"data":{"id":5}}`, nil, false},
		{`not json`, nil, false},
	}
	for _, tt := range tests {
		var got []int64
		ok := eachEventVersion([]byte(tt.body), func(v uint64, id int64) { got = append(got, int64(v), id) })
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, %v; want %v, %v", tt.body, got, ok, tt.want, tt.ok)
		}
	}
}

func TestVersionTracker(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	// Webhook 0 on group 0 (the bench's own objects 1..10), webhooks 1 and 2 on group 1.
	tr := NewVersionTracker([]string{"clockings", "totals"}, []int{0, 1, 1}, 0, 10)
	tr.Sent(1, 10, time.Now())
	send := func(hook int, body string, sign []byte) int {
		now := time.Now()
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(body)))
		req.Header.Set(signing.HeaderID, "msg_1")
		req.Header.Set(signing.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
		req.Header.Set(signing.HeaderSignature, string(signing.NewSigner(sign).Sign(nil, "msg_1", now.Unix(), []byte(body))))
		rec := httptest.NewRecorder()
		tr.Handler(hook, key).ServeHTTP(rec, req)
		return rec.Code
	}
	ev := func(v, id int) string {
		return fmt.Sprintf(`{"changeType":"InsertOrUpdate","data":{"changeVersion":"%020X","id":%d}}`, v, id)
	}
	for _, s := range []struct {
		hook int
		body string
	}{
		{0, ev(1, 1)}, {0, ev(1, 1)}, {0, ev(4, 2)}, {0, ev(5, 11)}, // a duplicate, an id out of range
		{1, ev(2, 500)}, {1, ev(3, 500)}, {2, ev(2, 500)}, {2, ev(3, 500)}, // one object changed twice
	} {
		if code := send(s.hook, s.body, key); code != http.StatusOK {
			t.Fatalf("%s: %d", s.body, code)
		}
	}
	if code := send(1, ev(9, 1), bytes.Repeat([]byte{8}, 32)); code != http.StatusUnauthorized {
		t.Errorf("badly signed: %d", code)
	}
	if tr.Complete(0) {
		t.Error("complete before any expectation")
	}
	tr.SetExpected(0, 2)
	tr.SetExpected(1, 4)
	st := tr.Stats()
	if !tr.Complete(0) || tr.ReceivedIn(0) != 2 || tr.ReceivedIn(1) != 4 || st.Received != 6 ||
		st.Duplicates != 1 || st.Unexpected != 1 || st.BadSignatures != 1 || tr.Latency.Count() != 2 {
		t.Errorf("stats %+v, by group %d %d", st, tr.ReceivedIn(0), tr.ReceivedIn(1))
	}
	tr.SetExpected(1, 5)
	if tr.Complete(0) {
		t.Error("complete with an event missing")
	}
}

package consumer_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/consumer"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// testKey returns a key of 32 bytes made from seed, and its whsec_ form.
func testKey(seed byte) ([]byte, string) {
	k := bytes.Repeat([]byte{seed}, 32)
	return k, "whsec_" + base64.StdEncoding.EncodeToString(k)
}

// sign returns the webhook-signature of one request by key, made by the Standard Webhooks
// reference library rather than by the code under test.
func sign(t testing.TB, key []byte, msgID string, at time.Time, body []byte) string {
	wh, err := standardwebhooks.NewWebhookRaw(key)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := wh.Sign(msgID, at, body)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// receiver is a loopback server running a Handler that records what it applied.
type receiver struct {
	*httptest.Server
	handler *consumer.Handler
	logs    *lockedBuffer

	mu      sync.Mutex
	applied []consumer.Event
	fail    error // Apply's answer while set
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newReceiver(t *testing.T, collection string, keys ...string) *receiver {
	t.Helper()
	rc := &receiver{logs: &lockedBuffer{}}
	h, err := consumer.NewHandler(consumer.Config{
		Collection: collection,
		Keys:       keys,
		Logger:     slog.New(slog.NewTextHandler(rc.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Apply: func(_ context.Context, ev consumer.Event) error {
			rc.mu.Lock()
			defer rc.mu.Unlock()
			if rc.fail != nil {
				return rc.fail
			}
			rc.applied = append(rc.applied, ev)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	rc.handler = h
	rc.Server = httptest.NewServer(h)
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) events() []consumer.Event {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]consumer.Event(nil), rc.applied...)
}

func (rc *receiver) setFail(err error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.fail = err
}

// post sends body with header and returns the status and the answer's body.
func (rc *receiver) post(t *testing.T, body []byte, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, rc.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := rc.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// send posts body signed by key now as message msgID.
func (rc *receiver) send(t *testing.T, key []byte, msgID string, body []byte) (int, string) {
	t.Helper()
	now := time.Now()
	return rc.post(t, body, signedHeader(msgID, now, sign(t, key, msgID, now, body)))
}

func signedHeader(msgID string, at time.Time, signature string) http.Header {
	return http.Header{
		"Content-Type":      {"application/json"},
		"Webhook-Id":        {msgID},
		"Webhook-Timestamp": {fmt.Sprint(at.Unix())},
		"Webhook-Signature": {signature},
	}
}

// clockingEvent renders an InsertOrUpdate of c at version v as the server does, with the
// root package's functions.
func clockingEvent(t testing.TB, c *shiftwire.Clocking, v shiftwire.ChangeVersion) []byte {
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(`{"changeType":"InsertOrUpdate","data":` + string(shiftwire.WithChangeVersion(data, v)) + `}`)
}

func deleteEvent(id int64, v shiftwire.ChangeVersion) []byte {
	return []byte(`{"changeType":"Delete","data":` + string(shiftwire.WithChangeVersion(shiftwire.DeleteData(id), v)) + `}`)
}

func batch(events ...[]byte) []byte {
	return []byte(`{"value":[` + string(bytes.Join(events, []byte(","))) + `]}`)
}

func newClocking(id int64, minutes int) *shiftwire.Clocking {
	open := false
	return &shiftwire.Clocking{Base: shiftwire.Base{ID: id}, Person: shiftwire.IDRef{ID: 7}, Date: "2025-03-17",
		TimeOfDayInMinutes: minutes, CalculatedTimeOfDayInMinutes: minutes, Kind: shiftwire.ClockingReason,
		Reason: &shiftwire.IDRef{ID: 3}, IsOpen: &open, Status: shiftwire.ClockingActive}
}

// versionsOf lists "id@version" of events, in order.
func versionsOf(events []consumer.Event) []string {
	var out []string
	for _, ev := range events {
		out = append(out, fmt.Sprintf("%d@%d", ev.ID, ev.ChangeVersion))
	}
	return out
}

func TestHandlerDecodesAndOrders(t *testing.T) {
	key, whsec := testKey(1)
	rc := newReceiver(t, shiftwire.Clockings, whsec)

	c := newClocking(12, 480)
	body := clockingEvent(t, c, 5)
	if status, answer := rc.send(t, key, "msg_a", body); status != http.StatusNoContent {
		t.Fatalf("a signed event: %d %s", status, answer)
	}
	got := rc.events()
	if len(got) != 1 {
		t.Fatalf("applied %d events, want 1", len(got))
	}
	ev := got[0]
	if ev.MessageID != "msg_a" || ev.ChangeType != shiftwire.InsertOrUpdate || ev.Collection != shiftwire.Clockings || ev.ID != 12 || ev.ChangeVersion != 5 {
		t.Fatalf("event %+v", ev)
	}
	if !reflect.DeepEqual(ev.Object, c) {
		t.Fatalf("Object = %+v, want %+v", ev.Object, c)
	}
	if !bytes.Contains(body, ev.Data) {
		t.Fatalf("Data %s is not the event's data in %s", ev.Data, body)
	}

	// The same request again (a retry after a lost answer), an older change, and the same
	// version under another webhook-id (a resend) are acknowledged and skipped.
	for _, b := range [][]byte{body, clockingEvent(t, newClocking(12, 400), 4)} {
		if status, answer := rc.send(t, key, "msg_b", b); status != http.StatusNoContent {
			t.Fatalf("an old change: %d %s", status, answer)
		}
	}
	if n := len(rc.events()); n != 1 {
		t.Fatalf("old changes were applied: %v", versionsOf(rc.events()))
	}
	if !strings.Contains(rc.logs.String(), "skipped") {
		t.Errorf("skipping logged nothing:\n%s", rc.logs)
	}

	// A batch in changeVersion order: a newer change of 12, a delete of 13, another object;
	// 12's older change inside the batch is skipped too.
	later := newClocking(12, 510)
	status, answer := rc.send(t, key, "msg_c", batch(clockingEvent(t, later, 9), deleteEvent(13, 10), clockingEvent(t, newClocking(12, 300), 6), clockingEvent(t, newClocking(14, 1), 11)))
	if status != http.StatusNoContent {
		t.Fatalf("a batch: %d %s", status, answer)
	}
	got = rc.events()
	if want := []string{"12@5", "12@9", "13@10", "14@11"}; !reflect.DeepEqual(versionsOf(got), want) {
		t.Fatalf("applied %v, want %v", versionsOf(got), want)
	}
	if got[2].ChangeType != shiftwire.Delete || got[2].Object != nil || got[1].MessageID != "msg_c" || !reflect.DeepEqual(got[1].Object, later) {
		t.Fatalf("batch events %+v", got[1:])
	}
}

func TestHandlerApplyErrorRetries(t *testing.T) {
	key, whsec := testKey(2)
	rc := newReceiver(t, shiftwire.Clockings, whsec)
	body := batch(clockingEvent(t, newClocking(1, 10), 1), clockingEvent(t, newClocking(2, 20), 2))

	rc.setFail(errors.New("database is down: connection refused"))
	status, answer := rc.send(t, key, "msg_1", body)
	if status != http.StatusInternalServerError || strings.Contains(answer, "database") {
		t.Fatalf("a failing Apply: %d %q, want 500 without the consumer's error", status, answer)
	}
	if !strings.Contains(rc.logs.String(), "database is down") {
		t.Errorf("the consumer's error is not logged:\n%s", rc.logs)
	}
	rc.setFail(consumer.Status(http.StatusServiceUnavailable, errors.New("busy")))
	if status, _ := rc.send(t, key, "msg_1", body); status != http.StatusServiceUnavailable {
		t.Fatalf("a StatusError: %d, want 503", status)
	}
	rc.setFail(consumer.Status(http.StatusOK, errors.New("not an error status")))
	if status, _ := rc.send(t, key, "msg_1", body); status != http.StatusInternalServerError {
		t.Fatalf("a StatusError with 200: %d, want 500", status)
	}
	rc.setFail(nil)
	if status, _ := rc.send(t, key, "msg_1", body); status != http.StatusNoContent {
		t.Fatalf("the retry: %d", status)
	}
	if got := versionsOf(rc.events()); !reflect.DeepEqual(got, []string{"1@1", "2@2"}) {
		t.Fatalf("applied %v", got)
	}
}

func TestHandlerPing(t *testing.T) {
	key, whsec := testKey(3)
	rc := newReceiver(t, shiftwire.Absences, whsec)
	ping := []byte(`{"changeType":"Ping","data":{"webhookId":"0193a0b4-7c1e-7000-8000-000000000001","sentAt":"2026-01-01T00:00:00Z"}}`)
	if status, answer := rc.send(t, key, "msg_ping", ping); status != http.StatusNoContent || len(rc.events()) != 0 {
		t.Fatalf("a ping: %d %s, applied %d", status, answer, len(rc.events()))
	}
}

func TestHandlerRejects(t *testing.T) {
	key, whsec := testKey(4)
	other, _ := testKey(5)
	rc := newReceiver(t, shiftwire.Clockings, whsec)
	body := clockingEvent(t, newClocking(1, 10), 1)
	now := time.Now()
	good := signedHeader("msg_1", now, sign(t, key, "msg_1", now, body))
	with := func(name, value string) http.Header {
		h := good.Clone()
		if value == "" {
			h.Del(name)
		} else {
			h.Set(name, value)
		}
		return h
	}
	old := now.Add(-10 * time.Minute)
	future := now.Add(10 * time.Minute)
	for _, tc := range []struct {
		name   string
		body   []byte
		header http.Header
		status int
		reason string
	}{
		{"no signature", body, with("Webhook-Signature", ""), 401, "missing webhook-id, webhook-timestamp or webhook-signature"},
		{"no id", body, with("Webhook-Id", ""), 401, "missing"},
		{"no timestamp", body, with("Webhook-Timestamp", ""), 401, "missing"},
		{"timestamp not a number", body, with("Webhook-Timestamp", "yesterday"), 401, "not Unix seconds"},
		{"another key", body, signedHeader("msg_1", now, sign(t, other, "msg_1", now, body)), 401, "no signature matches"},
		{"a changed body", bytes.Replace(body, []byte(":10,"), []byte(":11,"), 1), good, 401, "no signature matches"},
		{"another message id", body, with("Webhook-Id", "msg_2"), 401, "no signature matches"},
		{"too old", body, signedHeader("msg_1", old, sign(t, key, "msg_1", old, body)), 401, "more than 5 minutes old"},
		{"too new", body, signedHeader("msg_1", future, sign(t, key, "msg_1", future, body)), 401, "ahead"},
		{"v2 only", body, with("Webhook-Signature", "v2,"+strings.TrimPrefix(good.Get("Webhook-Signature"), "v1,")), 401, "no signature matches"},
	} {
		status, answer := rc.post(t, tc.body, tc.header)
		if status != tc.status || !strings.Contains(answer, tc.reason) {
			t.Errorf("%s: %d %q, want %d saying %q", tc.name, status, answer, tc.status, tc.reason)
		}
		if !strings.Contains(rc.logs.String(), tc.reason) {
			t.Errorf("%s: the log does not say %q", tc.name, tc.reason)
		}
	}
	if n := len(rc.events()); n != 0 {
		t.Fatalf("rejected requests applied %d events", n)
	}
	if strings.Contains(rc.logs.String(), strings.TrimPrefix(whsec, "whsec_")) {
		t.Fatal("the log holds the key")
	}

	// Bodies that are signed but are not events: 400, saying where.
	for _, tc := range []struct {
		body, reason string
	}{
		{``, "empty"},
		{`{"changeType":"InsertOrUpdate","data":{"id":1,"chan`, "ends early, after 51 bytes"},
		{`{"changeType":"InsertOrUpdate","data":{"id":1}x}`, "invalid JSON at byte 47"},
		{`{"changeType":"Upsert","data":{"id":1}}`, `changeType: "Upsert"`},
		{`{"data":{"id":1}}`, "changeType: missing"},
		{`{"changeType":"Delete","data":{"changeVersion":"0000000000000000000A"}}`, "data.id: missing"},
		{`{"changeType":"Delete","data":{"id":1,"changeVersion":"10"}}`, "data.changeVersion: change version \"10\""},
		{`{"changeType":"InsertOrUpdate","data":{"id":1,"changeVersion":"0000000000000000000A","timeOfDayInMinutes":"8:00"}}`, "not a clockings object: timeOfDayInMinutes"},
		{`{"value":[]}`, "non-empty array"},
		{`{"value":[{"changeType":"Delete","data":{"id":1,"changeVersion":"0000000000000000000A"}},{"changeType":"Delete"}]}`, "value[1]: data: missing"},
		{`{"lifecycleEvent":"Disabled","webhook":{}}`, "lifecycle notification"},
	} {
		b := []byte(tc.body)
		status, answer := rc.send(t, key, "msg_x", b)
		if status != http.StatusBadRequest || !strings.Contains(answer, tc.reason) {
			t.Errorf("body %s: %d %q, want 400 saying %q", tc.body, status, answer, tc.reason)
		}
	}

	req, _ := http.NewRequest(http.MethodGet, rc.URL, nil)
	resp, err := rc.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestHandlerBodyLimit(t *testing.T) {
	key, whsec := testKey(6)
	h, err := consumer.NewHandler(consumer.Config{Collection: shiftwire.Clockings, Keys: []string{whsec}, MaxBodyBytes: 100,
		Apply: func(context.Context, consumer.Event) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	rc := &receiver{Server: srv}
	body := clockingEvent(t, newClocking(1, 10), 1)
	if status, answer := rc.send(t, key, "msg_1", body); status != http.StatusRequestEntityTooLarge || !strings.Contains(answer, "more than 100 bytes") {
		t.Fatalf("a body of %d bytes: %d %q", len(body), status, answer)
	}
}

// TestHandlerKeyRotation signs as the server does during a rotation's overlap, the new key's
// signature first, and checks that a handler knowing either key, or both, accepts it, and
// that SetKeys takes effect while serving.
func TestHandlerKeyRotation(t *testing.T) {
	oldKey, oldWhsec := testKey(7)
	newKey, newWhsec := testKey(8)
	body := clockingEvent(t, newClocking(1, 10), 1)
	now := time.Now()
	both := signedHeader("msg_1", now, sign(t, newKey, "msg_1", now, body)+" "+sign(t, oldKey, "msg_1", now, body))
	onlyNew := signedHeader("msg_1", now, sign(t, newKey, "msg_1", now, body))

	for _, keys := range [][]string{{oldWhsec}, {newWhsec}, {oldWhsec, newWhsec}, {newWhsec, oldWhsec}} {
		rc := newReceiver(t, shiftwire.Clockings, keys...)
		if status, answer := rc.post(t, body, both); status != http.StatusNoContent {
			t.Errorf("keys %d: the overlap's request: %d %s", len(keys), status, answer)
		}
	}

	rc := newReceiver(t, shiftwire.Clockings, oldWhsec)
	if status, _ := rc.post(t, body, onlyNew); status != http.StatusUnauthorized {
		t.Fatalf("the new key's request before SetKeys: %d, want 401", status)
	}
	if err := rc.handler.SetKeys(oldWhsec, "whsec_..."); err == nil || !strings.Contains(err.Error(), "key 2 of 2") {
		t.Fatalf("SetKeys with a placeholder: %v", err)
	}
	if err := rc.handler.SetKeys(); !errors.Is(err, consumer.ErrNoKey) {
		t.Fatalf("SetKeys of none: %v", err)
	}
	if err := rc.handler.SetKeys(oldWhsec, newWhsec); err != nil {
		t.Fatal(err)
	}
	if status, answer := rc.post(t, body, onlyNew); status != http.StatusNoContent {
		t.Fatalf("the new key's request after SetKeys: %d %s", status, answer)
	}
	if err := rc.handler.SetKeys(newWhsec); err != nil {
		t.Fatal(err)
	}
	oldOnly := signedHeader("msg_2", now, sign(t, oldKey, "msg_2", now, body))
	if status, _ := rc.post(t, body, oldOnly); status != http.StatusUnauthorized {
		t.Fatalf("the old key's request after it was dropped: %d, want 401", status)
	}
}

func TestNewHandlerConfig(t *testing.T) {
	_, whsec := testKey(9)
	apply := func(context.Context, consumer.Event) error { return nil }
	for _, tc := range []struct {
		cfg  consumer.Config
		want string
	}{
		{consumer.Config{Collection: "payslips", Keys: []string{whsec}, Apply: apply}, `"payslips" is not one webhooks subscribe to`},
		{consumer.Config{Collection: shiftwire.Clockings, Keys: []string{whsec}}, "Apply is required"},
		{consumer.Config{Collection: shiftwire.Clockings, Apply: apply}, "no key"},
		{consumer.Config{Collection: shiftwire.Clockings, Keys: []string{"whsec_..."}, Apply: apply}, "placeholder"},
	} {
		if _, err := consumer.NewHandler(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewHandler(%+v) = %v, want an error saying %q", tc.cfg.Collection, err, tc.want)
		}
	}
}

// TestHandlerSerialisesAnObject sends two changes of one object at once, many times, the
// newer one racing an older duplicate, and checks that the older is never applied after the
// newer.
func TestHandlerSerialisesAnObject(t *testing.T) {
	key, whsec := testKey(10)
	rc := newReceiver(t, shiftwire.Clockings, whsec)
	for round := range 50 {
		id := int64(round + 1)
		older, newer := clockingEvent(t, newClocking(id, 1), 1), clockingEvent(t, newClocking(id, 2), 2)
		var wg sync.WaitGroup
		for _, b := range [][]byte{newer, older} {
			wg.Go(func() {
				if status, answer := rc.send(t, key, "msg", b); status != http.StatusNoContent {
					t.Errorf("%d %s", status, answer)
				}
			})
		}
		wg.Wait()
	}
	last := map[int64]shiftwire.ChangeVersion{}
	for _, ev := range rc.events() {
		if ev.ChangeVersion <= last[ev.ID] {
			t.Fatalf("object %d: version %d applied after %d", ev.ID, ev.ChangeVersion, last[ev.ID])
		}
		last[ev.ID] = ev.ChangeVersion
	}
	if len(last) != 50 {
		t.Fatalf("%d objects applied, want 50", len(last))
	}
}

package consumer_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/consumer"
)

func TestHandlerNotice(t *testing.T) {
	key, whsec := testKey(12)
	var mu sync.Mutex
	var got []consumer.Notice
	var fail error
	h, err := consumer.NewHandler(consumer.Config{Collection: shiftwire.People, Keys: []string{whsec},
		Apply: func(context.Context, consumer.Event) error { return errors.New("not an event") },
		Notice: func(_ context.Context, n consumer.Notice) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, n)
			return fail
		}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	rc := &receiver{Server: srv}

	body := []byte(`{"lifecycleEvent":"Disabled","webhook":{"id":"01a23072-38be-7a29-a6c8-27765f2a1af0","status":"Disabled","disabledReason":"Gone",` +
		`"validUntil":"2026-12-22T14:08:02+01:00","destinationUrl":"https://example.com/hook","collectionName":"people"},"occurredAt":"2026-12-19T13:08:02.5Z"}`)
	if status, answer := rc.send(t, key, "msg_notice_1", body); status != http.StatusNoContent {
		t.Fatalf("a notice: %d %s", status, answer)
	}
	mu.Lock()
	n := got[0]
	mu.Unlock()
	validUntil := time.Date(2026, 12, 22, 13, 8, 2, 0, time.UTC)
	if n.MessageID != "msg_notice_1" || n.LifecycleEvent != shiftwire.WebhookDisabledNotice || n.Webhook.ID != "01a23072-38be-7a29-a6c8-27765f2a1af0" ||
		n.Webhook.Status != shiftwire.WebhookDisabled || n.Webhook.DisabledReason != shiftwire.DisabledGone || !n.Webhook.ValidUntil.Equal(validUntil) ||
		n.Webhook.DestinationURL != "https://example.com/hook" || n.Webhook.CollectionName != "people" ||
		!n.OccurredAt.Equal(time.Date(2026, 12, 19, 13, 8, 2, 5e8, time.UTC)) {
		t.Fatalf("notice %+v", n)
	}

	mu.Lock()
	fail = consumer.Status(http.StatusServiceUnavailable, errors.New("later"))
	mu.Unlock()
	if status, _ := rc.send(t, key, "msg_notice_1", body); status != http.StatusServiceUnavailable {
		t.Fatalf("a failing Notice: %d, want 503", status)
	}
	for bad, want := range map[string]string{
		`{"lifecycleEvent":"Disabled","occurredAt":"2026-12-19T13:08:02Z"}`:              "webhook.id: missing",
		`{"lifecycleEvent":"Disabled","webhook":{"id":"x"}}`:                             "occurredAt: missing",
		`{"lifecycleEvent":"Disabled","webhook":{"id":"x"},"occurredAt":"yesterday"}`:    "body:",
		`{"lifecycleEvent":"","webhook":{"id":"x"},"occurredAt":"2026-12-19T13:08:02Z"}`: "lifecycleEvent: missing",
	} {
		if status, answer := rc.send(t, key, "msg_x", []byte(bad)); status != http.StatusBadRequest || !strings.Contains(answer, want) {
			t.Errorf("%s: %d %q, want 400 saying %q", bad, status, answer, want)
		}
	}

	// Without Config.Notice, a notice is not taken.
	plain := newReceiver(t, shiftwire.People, whsec)
	if status, answer := plain.send(t, key, "msg_notice_1", body); status != http.StatusBadRequest || !strings.Contains(answer, "set Config.Notice") {
		t.Fatalf("a notice without Config.Notice: %d %q", status, answer)
	}
}

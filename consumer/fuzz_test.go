package consumer_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/consumer"
)

// exampleEvents renders every subscribable collection's Example as the server renders an
// event of it, with the root package's functions: one InsertOrUpdate per collection.
func exampleEvents(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for _, ct := range shiftwire.Collections() {
		if !ct.Subscribable {
			continue
		}
		r, err := ct.Decode([]byte(ct.Example), 42)
		if err != nil {
			t.Fatalf("%s: %v", ct.Name, err)
		}
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		out[ct.Name] = []byte(`{"changeType":"InsertOrUpdate","data":` + string(shiftwire.WithChangeVersion(data, 0x1234)) + `}`)
	}
	return out
}

// TestDecodeEveryCollection decodes an event of every collection into its Go type and checks
// that the object renders back to the event's data, changeVersion aside.
func TestDecodeEveryCollection(t *testing.T) {
	events := exampleEvents(t)
	if len(events) < 18 {
		t.Fatalf("%d subscribable collections", len(events))
	}
	for name, body := range events {
		got, err := consumer.Decode(name, body)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ev := got[0]
		ct, _ := shiftwire.CollectionByName(name)
		if reflect.TypeOf(ev.Object) != reflect.TypeOf(ct.New()) || ev.ID != 42 || ev.ChangeVersion != 0x1234 {
			t.Fatalf("%s: decoded %T %d@%d", name, ev.Object, ev.ID, ev.ChangeVersion)
		}
		again, _ := json.Marshal(ev.Object)
		if string(shiftwire.WithChangeVersion(again, ev.ChangeVersion)) != string(ev.Data) {
			t.Errorf("%s: the object renders as\n%s\nnot as the event's data\n%s", name, again, ev.Data)
		}
	}
	if _, err := consumer.Decode("payslips", events[shiftwire.Clockings]); err == nil {
		t.Error("Decode accepted an unknown collection")
	}
}

// FuzzDecode checks that no body makes Decode panic, and that what it accepts is
// consistent: a known change type, a positive id, the object of the collection's type with
// that id for an InsertOrUpdate and none for a Delete.
func FuzzDecode(f *testing.F) {
	for name, body := range exampleEvents(f) {
		f.Add(name, string(body))
	}
	clocking := string(exampleEvents(f)[shiftwire.Clockings])
	f.Add(shiftwire.Clockings, `{"value":[`+clocking+`,{"changeType":"Delete","data":{"changeVersion":"0000000000000000000B","id":3}}]}`)
	f.Add(shiftwire.Absences, `{"changeType":"Ping","data":{"webhookId":"x","sentAt":"2026-01-01T00:00:00Z"}}`)
	f.Add(shiftwire.Clockings, clocking[:len(clocking)/2])
	f.Add(shiftwire.People, `{"lifecycleEvent":"Disabled"}`)
	f.Add(shiftwire.People, `{"lifecycleEvent":"ExpiringSoon","webhook":{"id":"01a2","status":"Enabled","validUntil":"2026-12-22T14:08:02+01:00",`+
		`"destinationUrl":"https://example.com/hook","collectionName":"people"},"occurredAt":"2026-12-19T13:08:02.5Z"}`)
	f.Fuzz(func(t *testing.T, collection, body string) {
		if n, err := consumer.DecodeNotice([]byte(body)); err == nil && (n.LifecycleEvent == "" || n.Webhook.ID == "" || n.OccurredAt.IsZero()) {
			t.Fatalf("DecodeNotice accepted %+v", n)
		}
		events, err := consumer.Decode(collection, []byte(body))
		if err != nil {
			if len(events) != 0 || err.Error() == "" {
				t.Fatalf("Decode failed with %d events and error %q", len(events), err)
			}
			return
		}
		ct, ok := shiftwire.CollectionByName(collection)
		if !ok || len(events) == 0 {
			t.Fatalf("Decode accepted %q with %d events", collection, len(events))
		}
		for _, ev := range events {
			if ev.Collection != collection {
				t.Fatalf("event of %q from a %s body", ev.Collection, collection)
			}
			switch ev.ChangeType {
			case consumer.Ping:
				if ev.Object != nil {
					t.Fatal("a ping with an object")
				}
			case shiftwire.Delete:
				if ev.ID < 1 || ev.Object != nil {
					t.Fatalf("a Delete of %d with %v", ev.ID, ev.Object)
				}
			case shiftwire.InsertOrUpdate:
				if ev.ID < 1 || ev.Object == nil || reflect.TypeOf(ev.Object) != reflect.TypeOf(ct.New()) || ev.Object.ObjectID() != ev.ID {
					t.Fatalf("an InsertOrUpdate of %d holds %#v", ev.ID, ev.Object)
				}
			default:
				t.Fatalf("change type %q", ev.ChangeType)
			}
			if !json.Valid(ev.Data) || !strings.Contains(body, string(ev.Data)) {
				t.Fatalf("Data %q is not part of the body", ev.Data)
			}
			for path, refs := range ev.ExternalReferences() {
				if refs == nil || !strings.Contains(body, "externalReferences") {
					t.Fatalf("references at %q: %v", path, refs)
				}
			}
		}
	})
}

// FuzzSignatureHeaders checks the handler against any webhook-id, webhook-timestamp and
// webhook-signature: it answers 401 unless the header holds the request's valid signature,
// and a valid signature added to any other entries passes.
func FuzzSignatureHeaders(f *testing.F) {
	key, whsec := testKey(11)
	h, err := consumer.NewHandler(consumer.Config{Collection: shiftwire.Clockings, Keys: []string{whsec},
		Apply: func(context.Context, consumer.Event) error { return nil }})
	if err != nil {
		f.Fatal(err)
	}
	body := exampleEvents(f)[shiftwire.Clockings]
	now := time.Now()
	valid := sign(f, key, "msg_1", now, body)
	f.Add("msg_1", strconv.FormatInt(now.Unix(), 10), valid)
	f.Add("msg_1", strconv.FormatInt(now.Unix(), 10), "v1,"+strings.Repeat("A", 44)+" "+valid)
	f.Add("msg_1", "0", valid)
	f.Add("msg_1", "99999999999999999999", "v1")
	f.Add("", "", "")
	f.Add("msg_1", strconv.FormatInt(now.Unix(), 10), "v1,,, v2,x v1")
	serve := func(msgID, timestamp, signature string) int {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
		req.Header["Webhook-Id"] = []string{msgID}
		req.Header["Webhook-Timestamp"] = []string{timestamp}
		req.Header["Webhook-Signature"] = []string{signature}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	f.Fuzz(func(t *testing.T, msgID, timestamp, signature string) {
		status := serve(msgID, timestamp, signature)
		ts, tsErr := strconv.ParseInt(timestamp, 10, 64)
		var want string
		if msgID != "" && tsErr == nil {
			want = sign(t, key, msgID, time.Unix(ts, 0), body)
		}
		// As the Standard Webhooks library reads the header: space-separated entries,
		// each a version and a signature separated by a comma.
		signed := false
		for entry := range strings.SplitSeq(signature, " ") {
			parts := strings.Split(entry, ",")
			signed = signed || want != "" && len(parts) > 1 && parts[0] == "v1" && parts[1] == strings.TrimPrefix(want, "v1,")
		}
		if status != http.StatusUnauthorized && (status != http.StatusNoContent || !signed) {
			t.Fatalf("id %q, timestamp %q, signature %q: %d", msgID, timestamp, signature, status)
		}
		if msgID == "" {
			return
		}
		// The same entries with a valid signature of this moment among them pass.
		at := time.Now()
		fresh := sign(t, key, msgID, at, body)
		if status := serve(msgID, strconv.FormatInt(at.Unix(), 10), signature+" "+fresh); status != http.StatusNoContent {
			t.Fatalf("id %q with signatures %q and a valid one: %d", msgID, signature, status)
		}
	})
}

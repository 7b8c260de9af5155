package delivery_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/delivery"
)

// TestEventsCarryExternalReferences: a webhook created with external references gets them in
// its events, with the values they have when the event is sent; another webhook on the same
// collection without them gets the plain data.
func TestEventsCarryExternalReferences(t *testing.T) {
	f := newFixture(t, delivery.Config{})
	ctx := context.Background()
	with, plain := newReceiver(t, nil), newReceiver(t, nil)
	f.webhook(f.tenant, shiftwire.Clockings, with.URL, func(w *shiftwire.Webhook) {
		w.ExternalReferences = shiftwire.ExternalReferences{
			{Collection: shiftwire.People, Name: shiftwire.RefBadgeNumber},
			{Collection: shiftwire.People, Name: "HRMID"},
			{Collection: shiftwire.Terminals, Name: shiftwire.RefExternalCode},
		}
	})
	f.webhook(f.tenant, shiftwire.Clockings, plain.URL)
	_, err := shiftwire.WriteObjects(ctx, f.db, f.tenant.ID, func(w *shiftwire.ObjectWriter) error {
		for _, body := range []struct {
			collection, json string
		}{
			{shiftwire.People, `{"id":12,"firstName":"An","lastName":"Peeters","badgeNumber":"6767676","employeeNumber":"E-12"}`},
			{shiftwire.Terminals, `{"id":3,"name":"Main entrance","externalCode":"T-MAIN"}`},
			{shiftwire.Clockings, `{"id":1,"person":{"id":12},"date":"2024-01-02","timeOfDayInMinutes":480,"terminal":{"id":3},"kind":"InOut"}`},
		} {
			ct, _ := shiftwire.CollectionByName(body.collection)
			r, err := ct.Decode([]byte(body.json), 0)
			if err != nil {
				return err
			}
			if _, _, err := w.Put(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Set after the commit, before the send: the event carries the value at send time.
	if err := f.db.SetCustomReferences(ctx, f.tenant.ID, shiftwire.People, 12, map[string]string{"HRMID": "A-1"}); err != nil {
		t.Fatal(err)
	}
	f.runOnce()

	var got struct {
		Data struct {
			Person struct {
				ID                 int64             `json:"id"`
				ExternalReferences map[string]string `json:"externalReferences"`
			} `json:"person"`
			Terminal struct {
				ExternalReferences map[string]string `json:"externalReferences"`
			} `json:"terminal"`
		} `json:"data"`
	}
	if len(with.accepted()) != 1 || len(plain.accepted()) != 1 {
		t.Fatalf("received %d and %d events, want 1 each", len(with.accepted()), len(plain.accepted()))
	}
	if err := json.Unmarshal(with.accepted()[0].body, &got); err != nil {
		t.Fatal(err)
	}
	refs := got.Data.Person.ExternalReferences
	if got.Data.Person.ID != 12 || refs["@badge-number"] != "6767676" || refs["HRMID"] != "A-1" || len(refs) != 2 ||
		got.Data.Terminal.ExternalReferences["@external-code"] != "T-MAIN" {
		t.Fatalf("event with references = %s", with.accepted()[0].body)
	}
	if body := string(plain.accepted()[0].body); json.Valid([]byte(body)) && containsKey(body, "externalReferences") {
		t.Fatalf("a webhook without references got them: %s", body)
	}
}

func containsKey(body, key string) bool {
	var m any
	json.Unmarshal([]byte(body), &m)
	var walk func(any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == key || walk(x) {
					return true
				}
			}
		case []any:
			for _, x := range v {
				if walk(x) {
					return true
				}
			}
		}
		return false
	}
	return walk(m)
}

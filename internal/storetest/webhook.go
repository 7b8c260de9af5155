package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

func testWebhookRoundTrip(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	now := time.Now().UTC()
	w := newWebhook(tn.ID, shiftwire.Clockings, now)
	w.ExternalReferences = shiftwire.ExternalReferences{{Collection: shiftwire.People, Name: "@badge-number"}, {Collection: shiftwire.Terminals, Name: "CODE"}}
	w.BatchSize = 50
	if err := s.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	got, err := s.Webhook(ctx, tn.ID, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, w) {
		t.Fatalf("Webhook read back\n got %#v\nwant %#v", got, w)
	}
	if string(got.Key.Reveal()) != string(w.Key.Reveal()) {
		t.Fatal("signing key did not round-trip")
	}
	wantCode(t, s.CreateWebhook(ctx, w), shiftwire.EConflict)
}

func testWebhookIsolation(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "acme")
	b := mustTenant(t, s, "beta")
	w := newWebhook(a.ID, shiftwire.Contracts, time.Now())
	if err := s.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	_, err := s.Webhook(ctx, b.ID, w.ID)
	wantCode(t, err, shiftwire.ENotFound)
	list, err := s.ListWebhooks(ctx, b.ID, "", 100)
	if err != nil || len(list) != 0 {
		t.Fatalf("ListWebhooks of another tenant = %d webhooks, %v", len(list), err)
	}
	ok, err := s.DisableWebhook(ctx, b.ID, w.ID, shiftwire.DisabledDeleted, time.Now())
	if err != nil || ok {
		t.Fatalf("DisableWebhook through another tenant = %v, %v", ok, err)
	}
}

func testWebhookList(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	start := time.Now()
	var ids []string
	for i := range 25 {
		w := newWebhook(tn.ID, shiftwire.BreakDefinitions, start.Add(time.Duration(i)*time.Millisecond))
		if err := s.CreateWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, w.ID)
	}
	var got []string
	after := ""
	for {
		page, err := s.ListWebhooks(ctx, tn.ID, after, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, w := range page {
			got = append(got, w.ID)
		}
		after = page[len(page)-1].ID
	}
	if !reflect.DeepEqual(got, ids) {
		t.Fatalf("paged list = %v\nwant creation order %v", got, ids)
	}
}

func testWebhookDisable(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	w := newWebhook(tn.ID, shiftwire.AbsenceGroups, time.Now())
	if err := s.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Truncate(time.Millisecond)
	ok, err := s.DisableWebhook(ctx, tn.ID, w.ID, shiftwire.DisabledGone, at)
	if err != nil || !ok {
		t.Fatalf("DisableWebhook = %v, %v", ok, err)
	}
	// A second disable changes nothing: the first reason stays.
	ok, err = s.DisableWebhook(ctx, tn.ID, w.ID, shiftwire.DisabledDeleted, at.Add(time.Hour))
	if err != nil || ok {
		t.Fatalf("second DisableWebhook = %v, %v; want false", ok, err)
	}
	got, err := s.Webhook(ctx, tn.ID, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != shiftwire.WebhookDisabled || got.DisabledReason != shiftwire.DisabledGone || !got.DisabledAt.Equal(at) {
		t.Fatalf("disabled webhook = %s/%s at %v", got.Status, got.DisabledReason, got.DisabledAt)
	}
}

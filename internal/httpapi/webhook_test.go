package httpapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// The end-to-end tests create webhooks now, so they see one offset per time zone; this test
// pins both sides of the daylight saving change.
func TestRenderWebhookUsesTheTenantOffset(t *testing.T) {
	winter := time.Date(2025, 1, 15, 11, 30, 0, 0, time.UTC)
	summer := time.Date(2025, 7, 15, 10, 30, 0, 0, time.UTC)
	tests := []struct {
		zone string
		at   time.Time
		want string
	}{
		{"Europe/Brussels", winter, "2025-01-15T12:30:00+01:00"},
		{"Europe/Brussels", summer, "2025-07-15T12:30:00+02:00"},
		{"America/New_York", winter, "2025-01-15T06:30:00-05:00"},
		{"America/New_York", summer, "2025-07-15T06:30:00-04:00"},
		{"UTC", winter, "2025-01-15T11:30:00+00:00"},
		{"Asia/Kolkata", winter, "2025-01-15T17:00:00+05:30"},
	}
	for _, tt := range tests {
		got := renderWebhook(&shiftwire.Webhook{ValidUntil: tt.at}, &shiftwire.Tenant{TimeZone: tt.zone})
		if got.ValidUntil != tt.want {
			t.Errorf("%s at %v: validUntil %q, want %q", tt.zone, tt.at, got.ValidUntil, tt.want)
		}
	}
}

func TestRenderWebhookOmitsWhatIsNotSet(t *testing.T) {
	hook := &shiftwire.Webhook{
		ID: "01a2035e-ec92-750f-b901-54c5e32c3d32", DestinationURL: "https://example.com/hook", Collection: "clockings",
		Status: shiftwire.WebhookEnabled, ValidUntil: time.Date(2025, 3, 31, 10, 30, 0, 0, time.UTC),
		Key: shiftwire.Secret("0123456789abcdef0123456789abcdef"),
	}
	b, err := json.Marshal(renderWebhook(hook, &shiftwire.Tenant{TimeZone: "Europe/Brussels"}))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"01a2035e-ec92-750f-b901-54c5e32c3d32","validUntil":"2025-03-31T12:30:00+02:00","status":"Enabled","destinationUrl":"https://example.com/hook","collectionName":"clockings"}`
	if string(b) != want {
		t.Errorf("rendered %s\nwant     %s", b, want)
	}

	hook.Status, hook.DisabledReason = shiftwire.WebhookDisabled, shiftwire.DisabledDeleted
	hook.ExternalReferences = shiftwire.ExternalReferences{{Collection: "people", Name: "@badge-number"}}
	b, _ = json.Marshal(renderWebhook(hook, &shiftwire.Tenant{TimeZone: "Europe/Brussels"}))
	want = `{"id":"01a2035e-ec92-750f-b901-54c5e32c3d32","validUntil":"2025-03-31T12:30:00+02:00","status":"Disabled","destinationUrl":"https://example.com/hook","collectionName":"clockings","externalReferences":{"people":["@badge-number"]},"disabledReason":"Deleted"}`
	if string(b) != want {
		t.Errorf("rendered %s\nwant     %s", b, want)
	}
}

package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// Opener opens a fresh, empty store for one test. It registers its own cleanup.
type Opener func(t *testing.T) shiftwire.Store

// Run runs the whole conformance suite against the stores open makes.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s shiftwire.Store)
	}{
		{"Ping", testPing},
		{"Tenants", testTenants},
		{"Clients", testClients},
		{"ListTenants", testListTenants},
		{"ListAndDeleteClients", testListAndDeleteClients},
		{"WebhookRoundTrip", testWebhookRoundTrip},
		{"WebhookIsolation", testWebhookIsolation},
		{"WebhookList", testWebhookList},
		{"WebhookDisable", testWebhookDisable},
		{"ObjectRoundTrip", testObjectRoundTrip},
		{"ObjectDelete", testObjectDelete},
		{"ObjectList", testObjectList},
		{"WriteTxList", testWriteTxList},
		{"ObjectKeys", testObjectKeys},
		{"ObjectKeyMatches", testObjectKeyMatches},
		{"ObjectByKey", testObjectByKey},
		{"ObjectKeysRead", testObjectKeysRead},
		{"NewCollectionKeys", testNewCollectionKeys},
		{"WriteRollback", testWriteRollback},
		{"NextID", testNextID},
		{"ConcurrentVersions", testConcurrentVersions},
		{"CustomReferences", testCustomReferences},
		{"FanOut", testFanOut},
		{"FanOutRule", testFanOutRule},
		{"ClaimLanes", testClaimLanes},
		{"CompleteDeliveries", testCompleteDeliveries},
		{"CompleteDisables", testCompleteDisables},
		{"WebhookHealth", testWebhookHealth},
		{"HealthNotices", testHealthNotices},
		{"RequeueChanges", testRequeueChanges},
		{"RequeueBehindLeased", testRequeueBehindLeased},
		{"CollectionChanges", testCollectionChanges},
		{"RotateWebhookKey", testRotateWebhookKey},
		{"LifecycleNotices", testLifecycleNotices},
		{"ReleaseNoticeLeases", testReleaseNoticeLeases},
		{"ReleaseLeases", testReleaseLeases},
		{"RetryDeliveries", testRetryDeliveries},
		{"LeaseFencing", testLeaseFencing},
		{"ExpireWebhooks", testExpireWebhooks},
		{"Prune", testPrune},
		{"DeltaChanges", testDeltaChanges},
		{"Deltas", testDeltas},
		{"PruneDeltas", testPruneDeltas},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

func testPing(t *testing.T, s shiftwire.Store) {
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// mustTenant creates a tenant called name.
func mustTenant(t *testing.T, s shiftwire.Store, name string) *shiftwire.Tenant {
	t.Helper()
	tn := &shiftwire.Tenant{Name: name, TimeZone: shiftwire.DefaultTimeZone}
	if err := s.CreateTenant(context.Background(), tn); err != nil {
		t.Fatalf("CreateTenant(%s): %v", name, err)
	}
	return tn
}

// wantCode fails the test unless err carries code.
func wantCode(t *testing.T, err error, code shiftwire.ErrorCode) {
	t.Helper()
	if got := shiftwire.ErrorCodeOf(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// newWebhook returns an enabled webhook of tenant on collection, created at now.
func newWebhook(tenantID int64, collection string, now time.Time) *shiftwire.Webhook {
	return &shiftwire.Webhook{
		ID:             shiftwire.NewID(now),
		TenantID:       tenantID,
		ClientID:       "client",
		DestinationURL: "https://receiver.example/" + collection,
		Collection:     collection,
		Key:            shiftwire.Secret("0123456789abcdef0123456789abcdef"),
		Status:         shiftwire.WebhookEnabled,
		CreatedAt:      now.Truncate(time.Millisecond),
		ValidUntil:     now.Add(shiftwire.DefaultWebhookValidity).Truncate(time.Millisecond),
	}
}

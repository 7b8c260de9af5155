package shiftwire

import (
	"context"
	"time"
)

// Store is the storage seam: everything Shiftwire keeps, behind one interface with one
// implementation per database (internal/sqlite, internal/postgres) and one conformance suite
// (internal/storetest). Stores do storage and the few writes that must be atomic; business
// rules live in Go outside them.
//
// Lookups of a missing object return an ENotFound Error; inserts that collide with an
// existing key return an EConflict Error.
type Store interface {
	// Ping reports whether the database is reachable and its migrations are applied.
	Ping(ctx context.Context) error
	Close() error

	// CreateTenant inserts t and sets its ID and CreatedAt.
	CreateTenant(ctx context.Context, t *Tenant) error
	// TenantByName returns the tenant called name.
	TenantByName(ctx context.Context, name string) (*Tenant, error)
	// Tenant returns the tenant with id.
	Tenant(ctx context.Context, id int64) (*Tenant, error)
	// ListTenants returns every tenant, in name order.
	ListTenants(ctx context.Context) ([]*Tenant, error)

	// CreateClient inserts c and sets its CreatedAt.
	CreateClient(ctx context.Context, c *Client) error
	// Client returns the client of tenantID with the public id clientID.
	Client(ctx context.Context, tenantID int64, clientID string) (*Client, error)
	// ListClients returns the clients of tenantID in id order, without their secret
	// hashes: listing is for showing, never for checking a secret.
	ListClients(ctx context.Context, tenantID int64) ([]*Client, error)
	// DeleteClient deletes the client of tenantID with clientID, and its deltas, which no
	// one can read any more; ENotFound when there is no such client.
	DeleteClient(ctx context.Context, tenantID int64, clientID string) error

	// CreateWebhook inserts w and, atomically with respect to change writes, sets
	// w.CreatedAfter to the tenant's last change version: the webhook receives exactly the
	// changes committed after it.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// Webhook returns the webhook of tenantID with id.
	Webhook(ctx context.Context, tenantID int64, id string) (*Webhook, error)
	// ListWebhooks returns up to limit webhooks of tenantID whose id sorts after afterID,
	// in id order (ids are time-ordered, so this is creation order).
	ListWebhooks(ctx context.Context, tenantID int64, afterID string, limit int) ([]*Webhook, error)
	// DisableWebhook disables an enabled webhook with reason at the given time, empties its
	// queue and, when reason.Notifies(), queues its Disabled notice. It reports false, and
	// changes nothing, when the webhook was already disabled.
	DisableWebhook(ctx context.Context, tenantID int64, id string, reason DisabledReason, at time.Time) (bool, error)

	// Write runs fn in one write transaction on the objects of tenantID. When fn returns nil,
	// the objects it put and deleted and their change-log entries commit together; when it
	// returns an error, or the commit fails, nothing of it remains.
	Write(ctx context.Context, tenantID int64, fn func(WriteTx) error) error
	// Object returns one object of tenantID.
	Object(ctx context.Context, tenantID int64, collection string, id int64) (*Object, error)
	// ListObjects returns the objects of tenantID that q selects, in id order.
	ListObjects(ctx context.Context, tenantID int64, q ObjectQuery) ([]*Object, error)
	// ObjectByKey returns the object of collection with the lowest id that has the key name
	// with value: one indexed read.
	ObjectByKey(ctx context.Context, tenantID int64, collection, name, value string) (*Object, error)
	// ObjectByCustomReference returns the object of collection whose custom reference name
	// has value.
	ObjectByCustomReference(ctx context.Context, tenantID int64, collection, name, value string) (*Object, error)
	// SetCustomReferences replaces the custom references of one object.
	SetCustomReferences(ctx context.Context, tenantID int64, collection string, id int64, refs map[string]string) error
	ReferenceSource
	// Changes returns up to limit change-log entries of tenantID after version after, in
	// version order.
	Changes(ctx context.Context, tenantID int64, after ChangeVersion, limit int) ([]Change, error)

	// LastChangeVersion returns the version of the last change committed for tenantID, 0
	// when there is none.
	LastChangeVersion(ctx context.Context, tenantID int64) (ChangeVersion, error)
	// DeltaChanges returns, for each object of collection changed after version after and up
	// to version upTo, its last change in that range, in version order, up to limit of them:
	// each object once, with its latest state.
	DeltaChanges(ctx context.Context, tenantID int64, collection string, after, upTo ChangeVersion, limit int) ([]Change, error)

	// StartDelta inserts d, retiring the delta of the same tenant, client and collection,
	// sets d.ID, and, atomically with respect to change writes, sets d.Cursor to the tenant's
	// last change version: every change committed after it is the delta's.
	StartDelta(ctx context.Context, d *Delta) error
	// Delta returns the active delta of tenantID with id; ENotFound once it was retired.
	Delta(ctx context.Context, tenantID, id int64) (*Delta, error)
	// UseDelta writes d's Cursor and LastUsedAt; ENotFound when d was retired meanwhile.
	UseDelta(ctx context.Context, d *Delta) error
	// RetireDeltas retires every delta last used before usedBefore and returns how many.
	RetireDeltas(ctx context.Context, usedBefore time.Time) (int, error)

	// ClaimDeliveries leases the due deliveries q picks under a NewLease, set in each
	// Delivery. A picked delivery whose change is no longer in the change log, which pruning
	// avoids, can never be sent: it is deleted instead of returned. Every committed change becomes one queued delivery per enabled webhook of its
	// collection created before it, in the transaction that commits the change.
	ClaimDeliveries(ctx context.Context, q ClaimQuery) ([]*Delivery, error)
	// CompleteDeliveries writes back the outcome of attempts: it records each attempt,
	// removes or reschedules its deliveries that still hold the completion's lease, tracks
	// the webhook's health as TrackHealth decides, queuing the notices it raises, and
	// disables the webhook when asked (queuing its Disabled notice), in one transaction.
	CompleteDeliveries(ctx context.Context, completions []Completion) error
	// ReleaseLeases makes the given deliveries due again at once, those that still hold
	// lease.
	ReleaseLeases(ctx context.Context, lease Lease, ids []int64) error
	// RetryDeliveries makes every delivery of one webhook of tenantID that waits for a later
	// attempt (a retry, or a hold while its destination is down) due at now, leaving leased
	// ones alone, and returns how many it made due.
	RetryDeliveries(ctx context.Context, tenantID int64, webhookID string, now time.Time) (int, error)
	// RequeueChanges queues the changes of tenantID with the given versions again for one
	// enabled webhook, due at now and behind everything queued for their objects: each lane
	// is in queue order, and a requeued change joins the back of its object's lane. A change
	// still queued for the webhook, committed at or before committedAfter, or no longer in
	// the change log, is skipped. It returns how many it queued, none when the webhook is
	// not enabled.
	RequeueChanges(ctx context.Context, tenantID int64, webhookID string, versions []ChangeVersion, committedAfter, now time.Time) (int, error)
	// CollectionChanges returns up to limit change-log entries of one collection of
	// tenantID with a version after after, committed after since, in version order, without
	// their Data.
	CollectionChanges(ctx context.Context, tenantID int64, collection string, after ChangeVersion, since time.Time, limit int) ([]Change, error)
	// ReleaseAllLeases makes every leased delivery and notice due again at once, for a
	// single instance starting up after a crash.
	ReleaseAllLeases(ctx context.Context) error
	// ExpireWebhooks disables, as Expired, every enabled webhook whose validUntil is not
	// after now, empties their queues, queues their Disabled notices, and returns how many
	// it disabled.
	ExpireWebhooks(ctx context.Context, now time.Time) (int, error)
	// RotateWebhookKey makes key the enabled webhook's signing key and keeps its current key
	// signing beside it until previousUntil. ENotFound for another tenant's webhook,
	// EConflict when it is disabled.
	RotateWebhookKey(ctx context.Context, tenantID int64, id string, key Secret, previousUntil time.Time) error

	// QueueExpiryNotices queues, once per webhook, an ExpiringSoon notice for every enabled
	// webhook with a lifecycle URL whose validUntil is not after expiringBy, occurring at
	// now, and returns how many it queued.
	QueueExpiryNotices(ctx context.Context, expiringBy, now time.Time) (int, error)
	// ClaimNotices leases, until leaseUntil, up to limit notices due at now: the oldest
	// queued notice of each webhook, so a webhook's notices are sent one at a time, in order.
	ClaimNotices(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*Notice, error)
	// CompleteNotices records the attempts of notices and removes or reschedules those that
	// still hold the completion's lease, in one transaction.
	CompleteNotices(ctx context.Context, completions []NoticeCompletion) error
	// WebhookByID returns a webhook of any tenant: the delivery engine works across tenants.
	WebhookByID(ctx context.Context, id string) (*Webhook, error)
	// Attempts returns up to limit attempts of one webhook, newest first, older than
	// beforeID when it is not "".
	Attempts(ctx context.Context, tenantID int64, webhookID, beforeID string, limit int) ([]*Attempt, error)
	// Attempt returns one attempt of one webhook, with the request and response it recorded.
	Attempt(ctx context.Context, tenantID int64, webhookID, id string) (*Attempt, error)
	// Prune deletes up to limit attempts recorded before, and change-log entries committed
	// before that no delivery and no active delta needs any more, and returns how many rows
	// it deleted.
	Prune(ctx context.Context, before time.Time, limit int) (int, error)
	// Backlog counts the delivery queue by state at now.
	Backlog(ctx context.Context, now time.Time) (BacklogCounts, error)
	// WebhookCounts counts the webhooks of all tenants by status.
	WebhookCounts(ctx context.Context) (map[WebhookStatus]int64, error)
	// Notify receives a value after commits that queued deliveries, so the engine wakes at
	// once instead of waiting for its next poll. It is shared: one consumer per store.
	Notify() <-chan struct{}
}

// Sealer encrypts secrets, such as webhook signing keys, before a store writes them.
type Sealer interface {
	Seal(plaintext []byte) ([]byte, error)
	Open(ciphertext []byte) ([]byte, error)
}

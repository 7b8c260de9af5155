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

	// CreateClient inserts c and sets its CreatedAt.
	CreateClient(ctx context.Context, c *Client) error
	// Client returns the client of tenantID with the public id clientID.
	Client(ctx context.Context, tenantID int64, clientID string) (*Client, error)

	// CreateWebhook inserts w and, atomically with respect to change writes, sets
	// w.CreatedAfter to the tenant's last change version: the webhook receives exactly the
	// changes committed after it.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// Webhook returns the webhook of tenantID with id.
	Webhook(ctx context.Context, tenantID int64, id string) (*Webhook, error)
	// ListWebhooks returns up to limit webhooks of tenantID whose id sorts after afterID,
	// in id order (ids are time-ordered, so this is creation order).
	ListWebhooks(ctx context.Context, tenantID int64, afterID string, limit int) ([]*Webhook, error)
	// DisableWebhook disables an enabled webhook with reason at the given time. It reports
	// false, and changes nothing, when the webhook was already disabled.
	DisableWebhook(ctx context.Context, tenantID int64, id string, reason DisabledReason, at time.Time) (bool, error)

	// Write runs fn in one write transaction on the objects of tenantID. When fn returns nil,
	// the objects it put and deleted and their change-log entries commit together; when it
	// returns an error, or the commit fails, nothing of it remains.
	Write(ctx context.Context, tenantID int64, fn func(WriteTx) error) error
	// Object returns one object of tenantID.
	Object(ctx context.Context, tenantID int64, collection string, id int64) (*Object, error)
	// ListObjects returns the objects of tenantID that q selects, in id order.
	ListObjects(ctx context.Context, tenantID int64, q ObjectQuery) ([]*Object, error)
	// ObjectByCustomReference returns the object of collection whose custom reference name
	// has value.
	ObjectByCustomReference(ctx context.Context, tenantID int64, collection, name, value string) (*Object, error)
	// SetCustomReferences replaces the custom references of one object.
	SetCustomReferences(ctx context.Context, tenantID int64, collection string, id int64, refs map[string]string) error
	ReferenceSource
	// Changes returns up to limit change-log entries of tenantID after version after, in
	// version order.
	Changes(ctx context.Context, tenantID int64, after ChangeVersion, limit int) ([]Change, error)
}

// Sealer encrypts secrets, such as webhook signing keys, before a store writes them.
type Sealer interface {
	Seal(plaintext []byte) ([]byte, error)
	Open(ciphertext []byte) ([]byte, error)
}

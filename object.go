package shiftwire

import (
	"context"
	"encoding/json"
)

// Object is the stored form of one object of a collection: its JSON as the API shows it
// (without changeVersion, which is added when it is rendered) and the keys that list filters
// select on.
type Object struct {
	Collection string
	ID         int64
	Version    ChangeVersion   // the change that last wrote the object
	Data       json.RawMessage // the object's JSON, without changeVersion

	// The filter keys, extracted from Data by the collection's rules; zero when the
	// collection has no such field.
	PersonID int64
	Date     string // YYYY-MM-DD
	Kind     string
}

// ObjectQuery selects the objects of one collection for a list read, in id order.
type ObjectQuery struct {
	Collection string
	DateFrom   string  // inclusive, YYYY-MM-DD; "" for no lower bound
	DateTo     string  // inclusive, YYYY-MM-DD; "" for no upper bound
	PersonIDs  []int64 // any of these; nil for all
	Kinds      []string
	AfterID    int64 // the page starts after this id
	Limit      int
}

// WriteTx is one write transaction on the objects of one tenant, open inside Store.Write.
// Every Put and Delete takes the tenant's next change version and appends one entry to the
// change log; all of them commit together or not at all.
type WriteTx interface {
	// Object returns the current object, ENotFound when there is none.
	Object(ctx context.Context, collection string, id int64) (*Object, error)
	// Missing returns those of ids that have no object in collection.
	Missing(ctx context.Context, collection string, ids []int64) ([]int64, error)
	// All returns every object of collection, in id order.
	All(ctx context.Context, collection string) ([]*Object, error)
	// NextID returns an id no object of collection has, for an insert without one.
	NextID(ctx context.Context, collection string) (int64, error)
	// Put inserts or replaces o, logs an InsertOrUpdate change, and sets o.Version.
	Put(ctx context.Context, o *Object) error
	// Delete removes the object and logs a Delete change; ENotFound when there is none.
	Delete(ctx context.Context, collection string, id int64) (ChangeVersion, error)
}

// ReferenceSource reads what external references are made of: referenced objects, whose
// own fields give the predefined references, and the custom references set on objects.
type ReferenceSource interface {
	// Objects returns the objects of collection with the given ids that exist.
	Objects(ctx context.Context, tenantID int64, collection string, ids []int64) ([]*Object, error)
	// CustomReferences returns, per object id, the custom references set on objects of
	// collection.
	CustomReferences(ctx context.Context, tenantID int64, collection string, ids []int64) (map[int64]map[string]string, error)
}

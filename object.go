package shiftwire

import (
	"context"
	"encoding/json"
)

// Object is the stored form of one object of a collection: its JSON as the API shows it
// (without changeVersion, which is added when it is rendered) and the keys that list filters
// and external reference lookups select it by.
type Object struct {
	Collection string
	ID         int64
	Version    ChangeVersion   // the change that last wrote the object
	Data       json.RawMessage // the object's JSON, without changeVersion

	// Keys are derived from Data by the collection's declaration; a store indexes them
	// without knowing what they mean, so a new collection or filter changes no store.
	Keys []Key
}

// Key is one indexed value of an object: a list filter's field ("person", "date") or a
// predefined external reference ("@badge-number"). An object may have several values of one
// name. Values compare as strings: a range filter's values sort as text (dates as
// YYYY-MM-DD).
type Key struct {
	Name  string
	Value string
}

// ObjectQuery selects the objects of one collection for a list read, in id order.
type ObjectQuery struct {
	Collection string
	Where      []KeyMatch // every one must hold
	AfterID    int64      // the page starts after this id
	Limit      int
}

// KeyMatch selects the objects that have a key called Name whose value is one of In or,
// when In is nil, between From and To inclusive ("" leaves that end open).
type KeyMatch struct {
	Name     string
	In       []string
	From, To string
}

// WriteTx is one write transaction on the objects of one tenant, open inside Store.Write.
// Every Put and Delete takes the tenant's next change version and appends one entry to the
// change log; all of them commit together or not at all.
type WriteTx interface {
	// Object returns the current object, ENotFound when there is none.
	Object(ctx context.Context, collection string, id int64) (*Object, error)
	// Missing returns those of ids that have no object in collection.
	Missing(ctx context.Context, collection string, ids []int64) ([]int64, error)
	// List returns the objects q selects, as Store.ListObjects does, seeing the writes of
	// the transaction so far.
	List(ctx context.Context, q ObjectQuery) ([]*Object, error)
	// NextID returns an id no object of collection has, for an insert without one.
	NextID(ctx context.Context, collection string) (int64, error)
	// Put inserts or replaces o, logs an InsertOrUpdate change, and sets o.Version.
	Put(ctx context.Context, o *Object) error
	// Delete removes the object and logs a Delete change; ENotFound when there is none.
	Delete(ctx context.Context, collection string, id int64) (ChangeVersion, error)
}

// ReferenceSource reads what external references are made of: the keys of referenced
// objects, which hold their predefined references, and the custom references set on them.
type ReferenceSource interface {
	// ObjectKeys returns, per object id, the values of the keys called names of the objects
	// of collection with the given ids (one value per name: the lowest).
	ObjectKeys(ctx context.Context, tenantID int64, collection string, ids []int64, names []string) (map[int64]map[string]string, error)
	// CustomReferences returns, per object id, the custom references set on objects of
	// collection.
	CustomReferences(ctx context.Context, tenantID int64, collection string, ids []int64) (map[int64]map[string]string, error)
}

package consumer

import (
	"context"
	"sync"

	"github.com/shiftwire/shiftwire"
)

// Versions is where a consumer keeps the newest changeVersion it applied to each object, so
// that the handler can tell an older change from a newer one. Keep it where the objects are
// kept: a consumer that writes the objects to a database should keep their versions in the
// same database, so that both survive a restart together.
//
// The handler calls Applied and, after Apply succeeded, SetApplied for one object at a time
// within one process; several processes behind one URL need an implementation whose
// SetApplied only moves forwards (UPDATE ... SET version = ? WHERE version < ?).
type Versions interface {
	// Applied returns the newest version applied to the object, and false when none was.
	Applied(ctx context.Context, collection string, id int64) (shiftwire.ChangeVersion, bool, error)
	// SetApplied records that version v of the object was applied. It must never move an
	// object's version backwards.
	SetApplied(ctx context.Context, collection string, id int64, v shiftwire.ChangeVersion) error
}

// MemoryVersions is a Versions in memory, for a consumer that keeps its objects in memory
// too, and for tests. It forgets everything when the process ends; it holds one entry per
// object ever seen, deleted ones included, so that a late older change of a deleted object
// is still recognised.
type MemoryVersions struct {
	mu       sync.Mutex
	versions map[objectKey]shiftwire.ChangeVersion
}

// objectKey names one object.
type objectKey struct {
	collection string
	id         int64
}

// NewMemoryVersions returns an empty MemoryVersions.
func NewMemoryVersions() *MemoryVersions {
	return &MemoryVersions{versions: map[objectKey]shiftwire.ChangeVersion{}}
}

// Applied returns the newest version recorded for the object.
func (m *MemoryVersions) Applied(_ context.Context, collection string, id int64) (shiftwire.ChangeVersion, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.versions[objectKey{collection, id}]
	return v, ok, nil
}

// SetApplied records v for the object unless a newer version is recorded already.
func (m *MemoryVersions) SetApplied(_ context.Context, collection string, id int64, v shiftwire.ChangeVersion) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := objectKey{collection, id}
	if old, ok := m.versions[k]; !ok || v > old {
		m.versions[k] = v
	}
	return nil
}

package shiftwire

import (
	"context"
	"fmt"
	"strings"
)

// ObjectByReference returns the object of collection t whose external reference name has
// value, for GET /{collection}/{reference}?externalReferences=(collection,name): one indexed
// read, of the custom references or, for a predefined reference, of the object keys. The
// lowest id wins when several objects share a value.
func ObjectByReference(ctx context.Context, s Store, tenantID int64, t *CollectionType, name, value string) (*Object, error) {
	if !strings.HasPrefix(name, "@") {
		return s.ObjectByCustomReference(ctx, tenantID, t.Name, name, value)
	}
	if _, ok := t.predefined(name); !ok {
		return nil, Invalid("invalid external references", fmt.Sprintf("%s has no predefined reference %s", t.Name, name))
	}
	o, err := s.ObjectByKey(ctx, tenantID, t.Name, name, value)
	if ErrorCodeOf(err) == ENotFound {
		return nil, NotFound("no %s with %s %s", t.Name, name, quote(value))
	}
	return o, err
}

package shiftwire

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// AddExternalReferences adds the external references refs selects to objects, rendered
// objects of collection (with or without their changeVersion), and returns them; objects
// that refer to nothing selected are returned as they are.
//
// Each referenced object gains an externalReferences member after its id:
// "person":{"id":12,"externalReferences":{"@badge-number":"6767676","HRMID":"A-1"}}. The
// referenced objects are those at the collection's declared Refs, such as a clocking's
// person, terminal, reason and activityLevels[].activityDefinition. References on the
// object's own collection, such as (contracts,HRCODE), go in a top-level
// externalReferences member. Predefined values are keys of the referenced object, read from
// its own fields (@badge-number is the person's badgeNumber), custom ones come from the
// source's custom references. An empty value, or a referenced object that does not exist, leaves the name
// out; the externalReferences member is there whenever its collection was selected.
//
// Events are rendered with this function when they are sent, so it works on the whole batch
// at once: one lookup per referenced collection and kind of reference, and each object is
// copied once with the additions spliced in, without decoding it into a map.
//
// refs is not checked here; reads and webhooks check it with ReferenceRules.CheckReferences.
func AddExternalReferences(ctx context.Context, src ReferenceSource, tenantID int64, collection string, refs ExternalReferences, objects []json.RawMessage) ([]json.RawMessage, error) {
	t, ok := CollectionByName(collection)
	if !ok {
		return nil, Invalid("unknown collection name", "unknown collection name "+quote(collection))
	}
	if len(refs) == 0 || len(objects) == 0 {
		return objects, nil
	}
	var fields []Ref
	for _, f := range t.Refs {
		if len(refs.For(f.Collection)) > 0 {
			fields = append(fields, f)
		}
	}
	own := len(refs.For(t.Name)) > 0
	if len(fields) == 0 && !own {
		return objects, nil
	}

	sites := make([][]refSite, len(objects))
	ids := map[string][]int64{}
	seen := map[objectKey]bool{}
	for i, obj := range objects {
		s, err := findRefSites(obj, fields, own, t.Name)
		if err != nil {
			return nil, fmt.Errorf("%s object %d: %w", collection, i, err)
		}
		sites[i] = s
		for _, site := range s {
			k := objectKey{site.collection, site.id}
			if !seen[k] {
				seen[k] = true
				ids[site.collection] = append(ids[site.collection], site.id)
			}
		}
	}

	rendered := make(map[objectKey][]byte, len(seen))
	for coll, list := range ids {
		if err := renderReferences(ctx, src, tenantID, coll, refs.For(coll), list, rendered); err != nil {
			return nil, err
		}
	}

	out := make([]json.RawMessage, len(objects))
	for i, obj := range objects {
		if len(sites[i]) == 0 {
			out[i] = obj
			continue
		}
		size := len(obj)
		for _, s := range sites[i] {
			size += 1 + len(rendered[objectKey{s.collection, s.id}])
		}
		b := make([]byte, 0, size)
		prev := 0
		for _, s := range sites[i] {
			b = append(b, obj[prev:s.pos]...)
			if !s.empty {
				b = append(b, ',')
			}
			b = append(b, rendered[objectKey{s.collection, s.id}]...)
			prev = s.pos
		}
		out[i] = append(b, obj[prev:]...)
	}
	return out, nil
}

// renderReferences renders, for every id of collection, the member
// "externalReferences":{...} with the values of names, into out.
func renderReferences(ctx context.Context, src ReferenceSource, tenantID int64, collection string, names []string, ids []int64, out map[objectKey][]byte) error {
	var predefined, custom bool
	for _, n := range names {
		if strings.HasPrefix(n, "@") {
			predefined = true
		} else {
			custom = true
		}
	}
	// Predefined references are keys of the referenced objects: read without decoding them.
	var keys map[int64]map[string]string
	if predefined {
		var err error
		if keys, err = src.ObjectKeys(ctx, tenantID, collection, ids, names); err != nil {
			return err
		}
	}
	var customs map[int64]map[string]string
	if custom {
		var err error
		if customs, err = src.CustomReferences(ctx, tenantID, collection, ids); err != nil {
			return err
		}
	}
	for _, id := range ids {
		b := []byte(`"externalReferences":{`)
		first := true
		for _, n := range names {
			var v string
			if strings.HasPrefix(n, "@") {
				v = keys[id][n]
			} else {
				v = customs[id][n]
			}
			if v == "" {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendJSONString(b, n)
			b = append(b, ':')
			b = appendJSONString(b, v)
		}
		out[objectKey{collection, id}] = append(b, '}')
	}
	return nil
}

// refSite is a place in a rendered object where external references go: before the closing
// brace at pos of the object of collection with id.
type refSite struct {
	pos        int
	collection string
	id         int64
	empty      bool // the object has no members, so no comma goes before the addition
	ref        *Ref // the reference declaration, nil for the object itself
	index      int  // the element of an array reference
}

// findRefSites scans one rendered object for the referenced objects of fields and, when own
// is set, the object itself, in the order they close.
func findRefSites(obj []byte, fields []Ref, own bool, collection string) ([]refSite, error) {
	s := &jsonScan{b: obj}
	var sites []refSite
	var ownID int64
	end, empty, err := s.object(func(key []byte) error {
		if string(key) == "id" {
			if id, ok := s.integer(); ok {
				ownID = id
				return nil
			}
			return s.skip()
		}
		for i := range fields {
			f := &fields[i]
			if string(key) != f.Field {
				continue
			}
			if f.Item == "" && !f.Each {
				return s.refObject(f, 0, &sites)
			}
			index := -1
			return s.array(func() error {
				index++
				if f.Each {
					return s.refObject(f, index, &sites)
				}
				if !s.at('{') {
					return s.skip()
				}
				_, _, err := s.object(func(key []byte) error {
					if string(key) == f.Item {
						return s.refObject(f, index, &sites)
					}
					return s.skip()
				})
				return err
			})
		}
		return s.skip()
	})
	if err != nil {
		return nil, err
	}
	if s.ws(); s.i != len(obj) {
		return nil, errNotObject
	}
	if own && ownID != 0 {
		sites = append(sites, refSite{pos: end, collection: collection, id: ownID, empty: empty})
	}
	return sites, nil
}

// refObject reads a reference such as {"id":12} and records its site; anything else, such
// as null, is skipped.
func (s *jsonScan) refObject(ref *Ref, index int, sites *[]refSite) error {
	if !s.at('{') {
		return s.skip()
	}
	var id int64
	end, empty, err := s.object(func(key []byte) error {
		if string(key) == "id" {
			if n, ok := s.integer(); ok {
				id = n
				return nil
			}
		}
		return s.skip()
	})
	if err != nil {
		return err
	}
	if id != 0 {
		*sites = append(*sites, refSite{pos: end, collection: ref.Collection, id: id, empty: empty, ref: ref, index: index})
	}
	return nil
}

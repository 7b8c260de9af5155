package shiftwire

import (
	"encoding/json"
	"fmt"
	"strings"
)

// keysOf returns the keys a store indexes for an object of t, read from its JSON: the value
// of each list filter's field, and of each predefined external reference that has one.
// Strings are kept as they are and integers in decimal; a field that is missing, null or
// empty gives no key.
func (t *CollectionType) keysOf(data []byte) ([]Key, error) {
	var keys []Key
	add := func(name, field string) error {
		raw, err := jsonPath(data, strings.Split(field, "."))
		if err != nil || raw == nil {
			return err
		}
		var v string
		switch raw[0] {
		case '"':
			if err := json.Unmarshal(raw, &v); err != nil {
				return err
			}
		case 'n': // null
		default:
			v = string(raw)
		}
		if v != "" {
			keys = append(keys, Key{Name: name, Value: v})
		}
		return nil
	}
	for _, f := range t.Filters {
		if err := add(f.Name, f.Field); err != nil {
			return nil, fmt.Errorf("%s: key %s: %w", t.Name, f.Name, err)
		}
	}
	for _, p := range t.Predefined {
		if err := add(p.Name, p.Field); err != nil {
			return nil, fmt.Errorf("%s: key %s: %w", t.Name, p.Name, err)
		}
	}
	return keys, nil
}

// jsonPath returns the raw value at path in the JSON object data, nil when there is none.
func jsonPath(data []byte, path []string) ([]byte, error) {
	s := &jsonScan{b: data}
	var found []byte
	_, _, err := s.object(func(key []byte) error {
		if found != nil || string(key) != path[0] {
			return s.skip()
		}
		start := s.i
		if len(path) > 1 && s.at('{') {
			sub := s.i
			if err := s.skip(); err != nil {
				return err
			}
			v, err := jsonPath(data[sub:s.i], path[1:])
			found = v
			return err
		}
		if err := s.skip(); err != nil {
			return err
		}
		if len(path) == 1 {
			found = data[start:s.i]
		}
		return nil
	})
	return found, err
}

// reference is one id an object holds that must name an existing object.
type reference struct {
	field      string // e.g. "person.id", "activityLevels[0].activityDefinition.id"
	collection string
	id         int64
	check      func(r, target Record) string
}

// referencesOf returns the references of an object of t, read from its JSON with the Refs
// declarations.
func (t *CollectionType) referencesOf(data []byte) ([]reference, error) {
	sites, err := findRefSites(data, t.Refs, false, t.Name)
	if err != nil {
		return nil, fmt.Errorf("%s: references: %w", t.Name, err)
	}
	out := make([]reference, len(sites))
	for i, s := range sites {
		out[i] = reference{field: s.ref.path(s.index), collection: s.collection, id: s.id, check: s.ref.Check}
	}
	return out, nil
}

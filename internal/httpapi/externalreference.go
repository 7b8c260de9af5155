package httpapi

import (
	"io"
	"maps"
	"net/http"

	"github.com/shiftwire/shiftwire"
)

// putExternalReferences serves PUT /external-references/{collection}/{id}: it replaces the
// custom external references of one object with the body's {"<name>":"<value>",...} and
// answers 200 with the references kept (empty values remove a reference). Changing them
// makes no change-log entry: events read the values when they are sent.
func (s *Server) putExternalReferences(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r.Context())
	t, id, err := referencedObject(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	refs, err := shiftwire.DecodeCustomReferences(body)
	if err != nil {
		return err
	}
	if err := s.store.SetCustomReferences(r.Context(), c.tenant.ID, t.Name, id, refs); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, refs)
	return nil
}

// getExternalReferences serves GET /external-references/{collection}/{id}: every external
// reference of one object, the predefined ones its fields give and the custom ones, for a
// client to check what it set. It needs the collection's read scope.
func (s *Server) getExternalReferences(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r.Context())
	t, id, err := referencedObject(r)
	if err != nil {
		return err
	}
	if err := c.principal.RequireScope(shiftwire.ReadScope(t.Name)); err != nil {
		return err
	}
	o, err := s.store.Object(r.Context(), c.tenant.ID, t.Name, id)
	if err != nil {
		return err
	}
	custom, err := s.store.CustomReferences(r.Context(), c.tenant.ID, t.Name, []int64{id})
	if err != nil {
		return err
	}
	out := map[string]string{}
	maps.Copy(out, custom[id])
	// The predefined references are the object's own keys.
	var names []string
	for _, p := range t.Predefined {
		names = append(names, p.Name)
	}
	if len(names) > 0 {
		keys, err := s.store.ObjectKeys(r.Context(), c.tenant.ID, t.Name, []int64{o.ID}, names)
		if err != nil {
			return err
		}
		maps.Copy(out, keys[o.ID])
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// referencedObject reads the collection and id of an external-references path; an unknown
// collection or an id that cannot exist is 404.
func referencedObject(r *http.Request) (*shiftwire.CollectionType, int64, error) {
	t, ok := shiftwire.CollectionByName(r.PathValue("collection"))
	if !ok {
		return nil, 0, shiftwire.NotFound("unknown collection %q", r.PathValue("collection"))
	}
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		return nil, 0, shiftwire.NotFound("%s %s not found", t.Name, r.PathValue("id"))
	}
	return t, id, nil
}

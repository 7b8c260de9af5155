package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/shiftwire/shiftwire"
)

// collectionRoutes registers the reads and writes of every collection, POST /changes and
// the custom external references.
func (s *Server) collectionRoutes(mux *http.ServeMux) {
	for _, t := range shiftwire.Collections() {
		base := apiBase + t.Name
		read, write := shiftwire.ReadScope(t.Name), shiftwire.WriteScope(t.Name)
		mux.Handle("GET "+base, s.connector(read, s.listObjects(t)))
		mux.Handle("GET "+base+"/{id}", s.connector(read, s.getObject(t)))
		mux.Handle("POST "+base, s.connector(write, s.createObject(t)))
		mux.Handle("PUT "+base+"/{id}", s.connector(write, s.putObject(t)))
		mux.Handle("DELETE "+base+"/{id}", s.connector(write, s.deleteObject(t)))
	}
	// The scopes of a bulk request depend on the collections its lines write.
	mux.Handle("POST "+apiBase+"changes", s.connectorLimited("", s.cfg.MaxBulkBodyBytes, s.postChanges))
	mux.Handle("PUT "+apiBase+"external-references/{collection}/{id}", s.connector(shiftwire.ScopeExternalReferencesWrite, s.putExternalReferences))
	mux.Handle("GET "+apiBase+"external-references/{collection}/{id}", s.connector("", s.getExternalReferences))
}

// listObjects serves GET /{collection}?filter=...: the objects the filter selects in id
// order, 100 a page, with the external references ?externalReferences= selects. With
// ?delta it is the initial sync of a delta (syncObjects).
func (s *Server) listObjects(t *shiftwire.CollectionType) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c := callerOf(r.Context())
		q := r.URL.Query()
		if q.Has("delta") {
			return s.syncObjects(w, r, t)
		}
		refs, err := readReferences(t, q)
		if err != nil {
			return err
		}
		query, err := t.Query(q.Get("filter"))
		if err != nil {
			return err
		}
		cursor, err := continuation(q)
		if err != nil {
			return err
		}
		if cursor != "" {
			after, err := strconv.ParseInt(cursor, 10, 64)
			if err != nil || after < 0 {
				return shiftwire.Errorf(shiftwire.EConflict, "the continuation token is invalid")
			}
			query.AfterID = after
		}
		query.Limit = pageSize + 1
		objs, err := s.store.ListObjects(r.Context(), c.tenant.ID, query)
		if err != nil {
			return err
		}
		out := list[json.RawMessage]{}
		if len(objs) > pageSize {
			objs = objs[:pageSize]
			out.NextLink = nextLink(r.URL, strconv.FormatInt(objs[len(objs)-1].ID, 10))
		}
		if out.Value, err = s.render(r, t, refs, objs); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

// getObject serves GET /{collection}/{id}. With ?externalReferences= naming a reference of
// the collection itself, the path may also be that reference's value, as Protime documents
// (/absence-groups/SICK-LEAVE?externalReferences=(absence-groups,code)); a path of digits
// is tried as an id first. The answer carries the object's ETag, its changeVersion, and is
// 304 for an If-None-Match that names it, however the object was found.
func (s *Server) getObject(t *shiftwire.CollectionType) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c := callerOf(r.Context())
		refs, err := readReferences(t, r.URL.Query())
		if err != nil {
			return err
		}
		path := r.PathValue("id")
		var o *shiftwire.Object
		if id, ok := parseID(path); ok {
			o, err = s.store.Object(r.Context(), c.tenant.ID, t.Name, id)
			if err != nil && shiftwire.ErrorCodeOf(err) != shiftwire.ENotFound {
				return err
			}
		}
		if o == nil {
			names := refs.For(t.Name)
			if len(names) == 0 {
				return shiftwire.NotFound("%s %s not found", t.Name, path)
			}
			if o, err = shiftwire.ObjectByReference(r.Context(), s.store, c.tenant.ID, t, names[0], path); err != nil {
				return err
			}
		}
		if done, err := notModified(w, r, o); done || err != nil {
			return err
		}
		out, err := s.render(r, t, refs, []*shiftwire.Object{o})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out[0])
		return nil
	}
}

// readReferences parses and checks the ?externalReferences= of a read.
func readReferences(t *shiftwire.CollectionType, q url.Values) (shiftwire.ExternalReferences, error) {
	refs, err := shiftwire.ParseExternalReferences(q.Get("externalReferences"))
	if err != nil {
		return nil, err
	}
	if err := t.ReadReferences().CheckReferences(refs); err != nil {
		return nil, err
	}
	return refs, nil
}

// render renders objects as reads show them: changeVersion first, with the selected
// external references.
func (s *Server) render(r *http.Request, t *shiftwire.CollectionType, refs shiftwire.ExternalReferences, objs []*shiftwire.Object) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, len(objs))
	for i, o := range objs {
		out[i] = shiftwire.WithChangeVersion(o.Data, o.Version)
	}
	if len(refs) == 0 {
		return out, nil
	}
	return shiftwire.AddExternalReferences(r.Context(), s.store, callerOf(r.Context()).tenant.ID, t.Name, refs, out)
}

// createObject serves POST /{collection}: 201 with the new object, its Location and its
// ETag. An id in the body is kept; one that exists is 409. A body that breaks the
// collection's rules is 400 with its problems and its references to missing objects
// together.
func (s *Server) createObject(t *shiftwire.CollectionType) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c := callerOf(r.Context())
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		rec, decodeErr := t.Decode(body, 0)
		var o *shiftwire.Object
		_, err = shiftwire.WriteObjects(r.Context(), s.store, c.tenant.ID, func(ow *shiftwire.ObjectWriter) (err error) {
			if decodeErr != nil {
				return ow.Reject(r.Context(), t.Name, 0, body, decodeErr)
			}
			o, err = ow.Insert(r.Context(), rec)
			return err
		})
		if err != nil {
			return err
		}
		w.Header().Set("Location", objectPath(t, o.ID))
		w.Header().Set("ETag", entityTag(o.Version))
		writeJSON(w, http.StatusCreated, shiftwire.WithChangeVersion(o.Data, o.Version))
		return nil
	}
}

// putObject serves PUT /{collection}/{id}: a full replace, 200, or 201 when it creates. Its
// If-Match and If-None-Match are checked in the write's transaction: one that does not hold
// is 409 and writes nothing. The answer has no ETag, since the stored object is not the
// body sent (RFC 9110 section 9.3.4); its changeVersion is the new tag.
func (s *Server) putObject(t *shiftwire.CollectionType) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c := callerOf(r.Context())
		id, ok := parseID(r.PathValue("id"))
		if !ok {
			return shiftwire.Invalid("invalid id", "the id in the path must be an integer from 1 to "+strconv.Itoa(shiftwire.MaxObjectID))
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		rec, decodeErr := t.Decode(body, id)
		pre := writePrecondition(r)
		var o *shiftwire.Object
		var created bool
		_, err = shiftwire.WriteObjects(r.Context(), s.store, c.tenant.ID, func(ow *shiftwire.ObjectWriter) (err error) {
			if decodeErr != nil {
				return ow.Reject(r.Context(), t.Name, id, body, decodeErr)
			}
			o, created, err = ow.Put(r.Context(), rec, pre)
			return err
		})
		if err != nil {
			return err
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
			w.Header().Set("Location", objectPath(t, o.ID))
		}
		writeJSON(w, status, shiftwire.WithChangeVersion(o.Data, o.Version))
		return nil
	}
}

// deleteObject serves DELETE /{collection}/{id}: 204. A clocking stays, with status
// Deleted; other objects are removed. Its If-Match and If-None-Match are checked as a PUT's;
// a missing object is 404 whatever they say.
func (s *Server) deleteObject(t *shiftwire.CollectionType) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c := callerOf(r.Context())
		id, ok := parseID(r.PathValue("id"))
		if !ok {
			return shiftwire.NotFound("%s %s not found", t.Name, r.PathValue("id"))
		}
		pre := writePrecondition(r)
		_, err := shiftwire.WriteObjects(r.Context(), s.store, c.tenant.ID, func(ow *shiftwire.ObjectWriter) error {
			return ow.Delete(r.Context(), t.Name, id, pre)
		})
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// parseID parses an object id of a path.
func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 || id > shiftwire.MaxObjectID || strconv.FormatInt(id, 10) != s {
		return 0, false
	}
	return id, true
}

// objectPath is the host-relative path of an object, for Location headers.
func objectPath(t *shiftwire.CollectionType, id int64) string {
	return apiBase + t.Name + "/" + strconv.FormatInt(id, 10)
}

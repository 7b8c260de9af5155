package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shiftwire/shiftwire"
)

// deltaToken is Protime's deltaToken: base64 of this JSON. StartingCursor is the change
// version the token's changes start after.
type deltaToken struct {
	DeltaID        int64     `json:"DeltaId"`
	StartingCursor int64     `json:"StartingCursor"`
	TimeStamp      time.Time `json:"TimeStamp"`
}

// encode renders t as its base64 form.
func (t deltaToken) encode() string {
	b, _ := json.Marshal(t)
	return base64.StdEncoding.EncodeToString(b)
}

// parseDeltaToken decodes a deltaToken; one that does not decode is 400.
func parseDeltaToken(s string) (deltaToken, error) {
	bad := shiftwire.Invalid("the deltaToken is invalid", "use the deltaLink or nextLink of the last answer as it is")
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return deltaToken{}, bad
	}
	var raw struct {
		DeltaID        *int64     `json:"DeltaId"`
		StartingCursor *int64     `json:"StartingCursor"`
		TimeStamp      *time.Time `json:"TimeStamp"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil || dec.More() {
		return deltaToken{}, bad
	}
	if raw.DeltaID == nil || raw.StartingCursor == nil || raw.TimeStamp == nil || *raw.DeltaID < 1 || *raw.StartingCursor < 0 {
		return deltaToken{}, bad
	}
	return deltaToken{DeltaID: *raw.DeltaID, StartingCursor: *raw.StartingCursor, TimeStamp: raw.TimeStamp.UTC()}, nil
}

// deltaItem is one item of a delta answer.
type deltaItem struct {
	ChangeType shiftwire.ChangeType `json:"changeType"`
	Data       json.RawMessage      `json:"data"`
}

// deltaPage is the body of the answers of a delta: a page with nextLink, or the last with
// deltaLink.
type deltaPage[T any] struct {
	Value     []T    `json:"value"`
	NextLink  string `json:"nextLink,omitempty"`
	DeltaLink string `json:"deltaLink,omitempty"`
}

// deltaLink is the link to the changes after cursor of delta id.
func (s *Server) deltaLink(t *shiftwire.CollectionType, id int64, cursor shiftwire.ChangeVersion) string {
	tok := deltaToken{DeltaID: id, StartingCursor: int64(cursor), TimeStamp: s.now().UTC()}
	return apiBase + "delta/" + t.Name + "?" + url.Values{"deltaToken": {tok.encode()}}.Encode()
}

// refuseDeltaFilter refuses a filter with a delta: Protime answers 400 for any.
func refuseDeltaFilter(q url.Values) error {
	if q.Has("filter") {
		return shiftwire.Invalid("a filter cannot be combined with delta", "a delta follows the whole collection: leave out ?filter=")
	}
	return nil
}

// errDeltaGone answers a token whose delta is not the caller's active one.
var errDeltaGone = shiftwire.Errorf(shiftwire.EGone, "the delta token is gone: its delta was replaced by a newer one or expired; start a new one with ?delta")

// findDelta finds the active delta tok names for the caller on t at now: 410 when it is
// retired, expired, another client's or tenant's, or tok was replaced by a later token.
func (s *Server) findDelta(r *http.Request, t *shiftwire.CollectionType, tok deltaToken) (*shiftwire.Delta, error) {
	c := callerOf(r.Context())
	d, err := s.store.Delta(r.Context(), c.tenant.ID, tok.DeltaID)
	if shiftwire.ErrorCodeOf(err) == shiftwire.ENotFound {
		return nil, errDeltaGone
	} else if err != nil {
		return nil, err
	}
	if err := d.Check(c.principal.ClientID, t.Name, shiftwire.ChangeVersion(tok.StartingCursor), s.now()); err != nil {
		return nil, err
	}
	return d, nil
}

// useDelta records a use of d with tok: the consumer has every change up to the token's
// cursor, and the delta's 72 hours start again.
func (s *Server) useDelta(r *http.Request, d *shiftwire.Delta, tok deltaToken) error {
	d.Cursor, d.LastUsedAt = shiftwire.ChangeVersion(tok.StartingCursor), s.now()
	if err := s.store.UseDelta(r.Context(), d); shiftwire.ErrorCodeOf(err) == shiftwire.ENotFound {
		return errDeltaGone
	} else if err != nil {
		return err
	}
	return nil
}

// syncObjects serves GET /{collection}?delta: the initial sync of a delta, every object of
// the collection in id order, 100 a page. The first page starts the delta, retiring the
// caller's previous one on the collection; its cursor is the tenant's last change version
// taken before any object is read, so every change the pages may miss is after it. The
// pages after the first carry the delta's token; the last has the deltaLink.
func (s *Server) syncObjects(w http.ResponseWriter, r *http.Request, t *shiftwire.CollectionType) error {
	c := callerOf(r.Context())
	q := r.URL.Query()
	if err := refuseDeltaFilter(q); err != nil {
		return err
	}
	refs, err := readReferences(t, q)
	if err != nil {
		return err
	}
	cursor, err := continuation(q)
	if err != nil {
		return err
	}
	var d *shiftwire.Delta
	if q.Has("deltaToken") {
		tok, err := parseDeltaToken(q.Get("deltaToken"))
		if err != nil {
			return err
		}
		if d, err = s.findDelta(r, t, tok); err != nil {
			return err
		}
		if err := s.useDelta(r, d, tok); err != nil {
			return err
		}
	} else {
		if cursor != "" {
			return shiftwire.Errorf(shiftwire.EConflict, "the continuation token is invalid")
		}
		d = &shiftwire.Delta{TenantID: c.tenant.ID, ClientID: c.principal.ClientID, Collection: t.Name, LastUsedAt: s.now()}
		if err := s.store.StartDelta(r.Context(), d); err != nil {
			return err
		}
	}
	query := shiftwire.ObjectQuery{Collection: t.Name, Limit: pageSize + 1}
	if cursor != "" {
		after, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || after < 0 {
			return shiftwire.Errorf(shiftwire.EConflict, "the continuation token is invalid")
		}
		query.AfterID = after
	}
	objs, err := s.store.ListObjects(r.Context(), c.tenant.ID, query)
	if err != nil {
		return err
	}
	out := deltaPage[json.RawMessage]{}
	if len(objs) > pageSize {
		objs = objs[:pageSize]
		next := *r.URL
		qq := next.Query()
		qq.Set("deltaToken", deltaToken{DeltaID: d.ID, StartingCursor: int64(d.Cursor), TimeStamp: s.now().UTC()}.encode())
		next.RawQuery = qq.Encode()
		out.NextLink = nextLink(&next, strconv.FormatInt(objs[len(objs)-1].ID, 10))
	} else {
		out.DeltaLink = s.deltaLink(t, d.ID, d.Cursor)
	}
	if out.Value, err = s.render(r, t, refs, objs); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// deltaChanges serves GET /delta/{collection}?deltaToken=...: the changes after the token's
// cursor up to the tenant's last change when the first page was asked for, each object once
// in its latest state, in changeVersion order, 100 a page; the last page has the deltaLink
// from there, also when there was no change.
func (s *Server) deltaChanges(t *shiftwire.CollectionType) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c := callerOf(r.Context())
		q := r.URL.Query()
		if err := refuseDeltaFilter(q); err != nil {
			return err
		}
		refs, err := readReferences(t, q)
		if err != nil {
			return err
		}
		if !q.Has("deltaToken") {
			return shiftwire.Invalid("the deltaToken is missing", "start a delta with GET "+apiBase+t.Name+"?delta")
		}
		tok, err := parseDeltaToken(q.Get("deltaToken"))
		if err != nil {
			return err
		}
		after := shiftwire.ChangeVersion(tok.StartingCursor)
		var upTo shiftwire.ChangeVersion
		if cont, err := continuation(q); err != nil {
			return err
		} else if cont != "" {
			a, b, ok := strings.Cut(cont, ":")
			pa, errA := strconv.ParseUint(a, 10, 64)
			pb, errB := strconv.ParseUint(b, 10, 64)
			if !ok || errA != nil || errB != nil || pa < uint64(after) || pa > pb {
				return shiftwire.Errorf(shiftwire.EConflict, "the continuation token is invalid")
			}
			after, upTo = shiftwire.ChangeVersion(pa), shiftwire.ChangeVersion(pb)
		}
		d, err := s.findDelta(r, t, tok)
		if err != nil {
			return err
		}
		last, err := s.store.LastChangeVersion(r.Context(), c.tenant.ID)
		if err != nil {
			return err
		}
		if shiftwire.ChangeVersion(tok.StartingCursor) > last || upTo > last {
			return shiftwire.Invalid("the deltaToken is invalid", "its cursor is beyond the last change")
		}
		if upTo == 0 {
			upTo = last
		}
		if err := s.useDelta(r, d, tok); err != nil {
			return err
		}
		changes, err := s.store.DeltaChanges(r.Context(), c.tenant.ID, t.Name, after, upTo, pageSize+1)
		if err != nil {
			return err
		}
		out := deltaPage[deltaItem]{Value: make([]deltaItem, 0, len(changes))}
		if len(changes) > pageSize {
			changes = changes[:pageSize]
			cont := strconv.FormatUint(uint64(changes[len(changes)-1].Version), 10) + ":" + strconv.FormatUint(uint64(upTo), 10)
			out.NextLink = nextLink(r.URL, cont)
		} else {
			out.DeltaLink = s.deltaLink(t, d.ID, upTo)
		}
		var updates []json.RawMessage
		for _, ch := range changes {
			if ch.Type == shiftwire.Delete || ch.Data == nil {
				out.Value = append(out.Value, deltaItem{shiftwire.Delete, deleteItemData(ch)})
				continue
			}
			out.Value = append(out.Value, deltaItem{shiftwire.InsertOrUpdate, nil})
			updates = append(updates, shiftwire.WithChangeVersion(ch.Data, ch.Version))
		}
		if len(refs) > 0 && len(updates) > 0 {
			if updates, err = shiftwire.AddExternalReferences(r.Context(), s.store, c.tenant.ID, t.Name, refs, updates); err != nil {
				return err
			}
		}
		for i := range out.Value {
			if out.Value[i].ChangeType == shiftwire.InsertOrUpdate {
				out.Value[i].Data, updates = updates[0], updates[1:]
			}
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

// deleteItemData is the data of a Delete item, as SPEC section 13 shows it: the id, then
// the changeVersion.
func deleteItemData(ch shiftwire.Change) json.RawMessage {
	b := append([]byte(`{"id":`), strconv.FormatInt(ch.ObjectID, 10)...)
	b = append(b, `,"changeVersion":"`...)
	b = ch.Version.AppendTo(b)
	return append(b, `"}`...)
}

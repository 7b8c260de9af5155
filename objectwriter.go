package shiftwire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// referencedCollections are the collections other objects refer to. An ObjectWriter keeps
// the objects of these it has seen, so a bulk load of clockings looks each person up once.
var referencedCollections = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range collectionTypes {
		for _, r := range t.Refs {
			m[r.Collection] = true
		}
	}
	return m
}()

// WriteSummary counts the change-log entries one write transaction appended.
type WriteSummary struct {
	Changes int
	First   ChangeVersion // 0 when there were none
	Last    ChangeVersion
}

func (s *WriteSummary) add(v ChangeVersion) {
	if s.Changes == 0 {
		s.First = v
	}
	s.Changes++
	s.Last = v
}

// ObjectWriter applies writes of objects inside one Store.Write transaction with the rules of
// their collections: references must name existing objects, Protime's behaviours are kept (a
// clocking's original time, deleted clockings kept as Deleted, absence groups re-saved
// together), and every write appends to the change log through the transaction. Use
// WriteObjects, or call Finish before the transaction commits.
//
// A failed Insert, Put or Delete has written nothing, so the caller may report it and go on
// checking later writes; the transaction must then be rolled back. Reject reports a write
// whose body broke its collection's rules in the same way.
type ObjectWriter struct {
	tx       WriteTx
	known    map[objectKey]*Object     // objects of referenced collections; nil when missing
	written  map[string]map[int64]bool // per collection with resaveAll, the ids saved
	rejected map[objectKey]bool        // objects of rejected writes, taken to exist
	recalc   []recalcSpan              // the person-days the writes bore on, for Finish
	summary  WriteSummary
}

type objectKey struct {
	collection string
	id         int64
}

// NewObjectWriter returns an ObjectWriter on tx.
func NewObjectWriter(tx WriteTx) *ObjectWriter {
	return &ObjectWriter{tx: tx, known: map[objectKey]*Object{}, written: map[string]map[int64]bool{}, rejected: map[objectKey]bool{}}
}

// WriteObjects runs fn with an ObjectWriter in one write transaction of tenantID, finishes
// it and commits. When fn or Finish fails, nothing is written.
func WriteObjects(ctx context.Context, s Store, tenantID int64, fn func(*ObjectWriter) error) (WriteSummary, error) {
	var sum WriteSummary
	err := s.Write(ctx, tenantID, func(tx WriteTx) error {
		w := NewObjectWriter(tx)
		if err := fn(w); err != nil {
			return err
		}
		if err := w.Finish(ctx); err != nil {
			return err
		}
		sum = w.summary
		return nil
	})
	if err != nil {
		return WriteSummary{}, err
	}
	return sum, nil
}

// Summary returns the changes written so far.
func (w *ObjectWriter) Summary() WriteSummary { return w.summary }

// Insert stores a new object, as POST does: an id r already has must be free (EConflict
// otherwise); without one, the next free id is assigned to r.
func (w *ObjectWriter) Insert(ctx context.Context, r Record) (*Object, error) {
	o, _, err := w.save(ctx, r, true, nil)
	return o, err
}

// Put stores r, replacing the object with its id or creating it, as PUT and the lines of
// POST /changes do; without an id, the next free id is assigned to r. created reports
// whether there was no object before. Each of pre must hold (EConflict otherwise); it is
// checked after r's references, so a body with problems is reported as such whatever the
// precondition.
func (w *ObjectWriter) Put(ctx context.Context, r Record, pre ...Precondition) (o *Object, created bool, err error) {
	return w.save(ctx, r, false, pre)
}

func (w *ObjectWriter) save(ctx context.Context, r Record, insert bool, pre []Precondition) (*Object, bool, error) {
	t, ok := CollectionOf(r)
	if !ok {
		return nil, false, fmt.Errorf("shiftwire: %T is not the record of a collection", r)
	}
	var prev *Object
	if id := r.ObjectID(); id == 0 {
		id, err := w.tx.NextID(ctx, t.Name)
		if err != nil {
			return nil, false, err
		}
		if id > MaxObjectID {
			return nil, false, Errorf(EConflict, "%s has no free id above the highest one; give the id", t.Name)
		}
		r.setID(id)
	} else {
		var err error
		if prev, err = w.lookup(ctx, t.Name, id); err != nil {
			return nil, false, err
		}
		if insert && prev != nil {
			return nil, false, Errorf(EConflict, "%s %d already exists; use PUT to replace it", t.Name, id)
		}
	}
	if err := w.checkReferences(ctx, t, r); err != nil {
		return nil, false, err
	}
	if err := checkPreconditions(t.Name, r.ObjectID(), prev, pre); err != nil {
		return nil, false, err
	}
	if t.Prepare != nil {
		var before Record
		if prev != nil {
			var err error
			if before, err = t.Unmarshal(prev.Data); err != nil {
				return nil, false, err
			}
		}
		t.Prepare(r, before)
	}
	o, err := w.put(ctx, t, r)
	if err != nil {
		return nil, false, err
	}
	if prev != nil {
		w.markRecalc(t, prev.Data)
	}
	w.markRecalc(t, o.Data)
	if t.ResaveAll {
		if w.written[t.Name] == nil {
			w.written[t.Name] = map[int64]bool{}
		}
		w.written[t.Name][o.ID] = true
	}
	return o, prev == nil, nil
}

// lookup returns the object, nil when there is none, remembering objects of referenced
// collections.
func (w *ObjectWriter) lookup(ctx context.Context, collection string, id int64) (*Object, error) {
	k := objectKey{collection, id}
	if o, ok := w.known[k]; ok {
		return o, nil
	}
	o, err := w.tx.Object(ctx, collection, id)
	if ErrorCodeOf(err) == ENotFound {
		o, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	if referencedCollections[collection] {
		w.known[k] = o
	}
	return o, nil
}

// checkReferences reports every reference of r to a missing object, or to one its
// collection's rules refuse, as ValidationErrors naming the field.
func (w *ObjectWriter) checkReferences(ctx context.Context, t *CollectionType, r Record) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	refs, err := t.referencesOf(data)
	if err != nil {
		return err
	}
	var errs ValidationErrors
	for _, ref := range refs {
		target, err := w.lookup(ctx, ref.collection, ref.id)
		if err != nil {
			return err
		}
		if target == nil {
			if !w.rejected[objectKey{ref.collection, ref.id}] {
				errs.Add(ref.field, "%s", missingTarget(ref))
			}
			continue
		}
		if ref.check != nil {
			rec, err := mustCollectionType(ref.collection).Unmarshal(target.Data)
			if err != nil {
				return err
			}
			if problem := ref.check(r, rec); problem != "" {
				errs.Add(ref.field, "%s", problem)
			}
		}
	}
	return errs.Err()
}

// missingTarget is the problem of a reference to an object that does not exist.
func missingTarget(ref reference) string {
	return "refers to " + ref.collection + " " + itoa64(ref.id) + ", which does not exist"
}

// Reject answers a write of an object of collection whose body broke the collection's
// rules: err is what Decode found. When it is ValidationErrors, Reject returns those
// problems together with the body's references to missing objects, so one answer lists
// every problem; any other error is returned as it is. It writes nothing.
//
// body is the object's write body, or the data of a change line. Its references are read
// as the collection declares them (Refs), except at a field that already has a problem, and
// only existence is checked: a Ref's Check judges a decoded record, which a rejected body
// does not make. A body that is not strict JSON, or not an object, has no references to
// check. For the writes after it in the transaction, the object with id (0 when the body
// named none) is taken to exist, so that a bulk load whose later lines refer to an object
// whose own line was rejected reports that mistake once.
func (w *ObjectWriter) Reject(ctx context.Context, collection string, id int64, body []byte, err error) error {
	var problems ValidationErrors
	t, ok := CollectionByName(collection)
	if !errors.As(err, &problems) || !ok {
		return err
	}
	if _, strict := strictJSON(body); !strict {
		return err
	}
	refs, rerr := t.referencesOf(body)
	if rerr != nil {
		return err
	}
	out := slices.Clone(problems)
	for _, ref := range refs {
		if hasProblemAt(problems, ref.field) {
			continue
		}
		target, lerr := w.lookup(ctx, ref.collection, ref.id)
		if lerr != nil {
			return lerr
		}
		if target == nil && !w.rejected[objectKey{ref.collection, ref.id}] {
			out.Add(ref.field, "%s", missingTarget(ref))
		}
	}
	if id != 0 {
		w.rejected[objectKey{t.Name, id}] = true
	}
	return out
}

// hasProblemAt reports whether one of problems is at field or at a member or element that
// holds it: "person" and "person.id" both hold "person.id".
func hasProblemAt(problems ValidationErrors, field string) bool {
	for _, p := range problems {
		if p.Field == "" || p.Field == field || strings.HasPrefix(field, p.Field+".") || strings.HasPrefix(field, p.Field+"[") {
			return true
		}
	}
	return false
}

// put stores r, a record of t, as it is and logs the change.
func (w *ObjectWriter) put(ctx context.Context, t *CollectionType, r Record) (*Object, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	keys, err := t.keysOf(data)
	if err != nil {
		return nil, err
	}
	o := &Object{Collection: t.Name, ID: r.ObjectID(), Data: data, Keys: keys}
	if err := w.tx.Put(ctx, o); err != nil {
		return nil, err
	}
	w.summary.add(o.Version)
	if referencedCollections[o.Collection] {
		w.known[objectKey{o.Collection, o.ID}] = o
	}
	return o, nil
}

// Delete deletes an object: ENotFound when there is none. A clocking is kept with status
// Deleted, an InsertOrUpdate change, as Protime does; deleting it again changes nothing.
// Other objects are removed, a Delete change. Objects that still refer to a removed one
// keep their reference: Protime's own data outlives the definitions it was made with, and
// consumers must cope with that anyway. Each of pre must hold of an object that exists
// (EConflict otherwise); a missing one is ENotFound whatever pre says, as HTTP answers a
// conditional request that would fail without its condition.
func (w *ObjectWriter) Delete(ctx context.Context, collection string, id int64, pre ...Precondition) error {
	t, ok := CollectionByName(collection)
	if !ok {
		return Invalid("unknown collection name", "unknown collection name "+quote(collection))
	}
	if requiresAnything(pre) {
		cur, err := w.lookup(ctx, collection, id)
		if err != nil {
			return err
		}
		if cur != nil {
			if err := checkPreconditions(collection, id, cur, pre); err != nil {
				return err
			}
		}
	}
	if t.SoftDelete != nil {
		prev, err := w.tx.Object(ctx, collection, id)
		if err != nil {
			return err
		}
		r, err := t.Unmarshal(prev.Data)
		if err != nil {
			return err
		}
		if !t.SoftDelete(r) {
			return nil
		}
		_, err = w.put(ctx, t, r)
		w.markRecalc(t, prev.Data)
		return err
	}
	if t.Recalc != nil {
		prev, err := w.tx.Object(ctx, collection, id)
		if err != nil {
			return err
		}
		w.markRecalc(t, prev.Data)
	}
	v, err := w.tx.Delete(ctx, collection, id)
	if err != nil {
		return err
	}
	w.summary.add(v)
	if referencedCollections[collection] {
		w.known[objectKey{collection, id}] = nil
	}
	return nil
}

// Finish completes the transaction's writes: when an absence group was saved, every other
// absence group of the tenant is saved again, once, in id order, so each gets a change with
// a new changeVersion, as Protime's "saving one absence group saves them all"; and the
// person-days the writes bore on are recalculated (SPEC 6.1).
func (w *ObjectWriter) Finish(ctx context.Context) error {
	for _, t := range collectionTypes {
		written := w.written[t.Name]
		if !t.ResaveAll || len(written) == 0 {
			continue
		}
		all, err := w.tx.List(ctx, ObjectQuery{Collection: t.Name})
		if err != nil {
			return err
		}
		for _, o := range all {
			if written[o.ID] {
				continue
			}
			if err := w.tx.Put(ctx, o); err != nil {
				return err
			}
			w.summary.add(o.Version)
			written[o.ID] = true
		}
	}
	return w.recalculate(ctx)
}

package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

// keyed returns an object of collection with the given keys, as name=value strings.
func keyed(collection string, id int64, keys ...string) *shiftwire.Object {
	o := &shiftwire.Object{Collection: collection, ID: id, Data: json.RawMessage(fmt.Sprintf(`{"id":%d}`, id))}
	for _, k := range keys {
		name, value, _ := strings.Cut(k, "=")
		o.Keys = append(o.Keys, shiftwire.Key{Name: name, Value: value})
	}
	return o
}

// sortedKeys returns keys in name and value order, each once.
func sortedKeys(keys []shiftwire.Key) []shiftwire.Key {
	out := slices.Clone(keys)
	slices.SortFunc(out, func(a, b shiftwire.Key) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	return slices.Compact(out)
}

// testObjectKeys checks that an object's keys are written with it, read back with it
// (several values of one name included, a key given twice kept once), replaced by the next
// Put, and deleted with the object.
func testObjectKeys(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	o := keyed(shiftwire.People, 1, "@badge-number=B1", "tag=x", "tag=a", "tag=x")
	put(t, s, tn.ID, o, keyed(shiftwire.People, 2))
	want := sortedKeys(o.Keys)
	got, err := s.Object(ctx, tn.ID, shiftwire.People, 1)
	if err != nil || !slices.Equal(sortedKeys(got.Keys), want) || len(got.Keys) != len(want) {
		t.Fatalf("Object keys = %v, %v; want %v", got.Keys, err, want)
	}
	if got, _ := s.Object(ctx, tn.ID, shiftwire.People, 2); len(got.Keys) != 0 {
		t.Fatalf("an object put without keys has %v", got.Keys)
	}
	// The writing transaction reads the keys too: an object it reads and puts back keeps them.
	err = s.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
		one, err := tx.Object(ctx, shiftwire.People, 1)
		if err != nil {
			return err
		}
		if !slices.Equal(sortedKeys(one.Keys), want) {
			return fmt.Errorf("WriteTx.Object keys = %v, want %v", one.Keys, want)
		}
		all, err := tx.List(ctx, shiftwire.ObjectQuery{Collection: shiftwire.People})
		if err != nil {
			return err
		}
		if len(all) != 2 || !slices.Equal(sortedKeys(all[0].Keys), want) || len(all[1].Keys) != 0 {
			return fmt.Errorf("WriteTx.All = %v", all)
		}
		return tx.Put(ctx, all[0])
	})
	if err != nil {
		t.Fatal(err)
	}
	if o, err := s.ObjectByKey(ctx, tn.ID, shiftwire.People, "tag", "a"); err != nil || o.ID != 1 {
		t.Fatalf("after putting back what was read: ObjectByKey = %v, %v", o, err)
	}

	// A Put replaces the keys.
	put(t, s, tn.ID, keyed(shiftwire.People, 1, "@badge-number=B2"))
	got, _ = s.Object(ctx, tn.ID, shiftwire.People, 1)
	if want := []shiftwire.Key{{Name: "@badge-number", Value: "B2"}}; !slices.Equal(got.Keys, want) {
		t.Fatalf("keys after a second Put = %v, want %v", got.Keys, want)
	}
	for _, k := range []shiftwire.Key{{Name: "@badge-number", Value: "B1"}, {Name: "tag", Value: "x"}} {
		if _, err := s.ObjectByKey(ctx, tn.ID, shiftwire.People, k.Name, k.Value); shiftwire.ErrorCodeOf(err) != shiftwire.ENotFound {
			t.Fatalf("the replaced key %v still finds the object: %v", k, err)
		}
	}

	// Put twice in one transaction: the last one's keys remain.
	err = s.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
		for _, o := range []*shiftwire.Object{keyed(shiftwire.People, 3, "tag=first"), keyed(shiftwire.People, 3, "tag=second")} {
			if err := tx.Put(ctx, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = s.Object(ctx, tn.ID, shiftwire.People, 3)
	if want := []shiftwire.Key{{Name: "tag", Value: "second"}}; !slices.Equal(got.Keys, want) {
		t.Fatalf("keys after two Puts in one write = %v, want %v", got.Keys, want)
	}

	// A Delete removes them.
	err = s.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
		_, err := tx.Delete(ctx, shiftwire.People, 1)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ObjectByKey(ctx, tn.ID, shiftwire.People, "@badge-number", "B2"); shiftwire.ErrorCodeOf(err) != shiftwire.ENotFound {
		t.Fatalf("a deleted object's key still finds it: %v", err)
	}
	keys, err := s.ObjectKeys(ctx, tn.ID, shiftwire.People, []int64{1}, []string{"@badge-number"})
	if err != nil || len(keys) != 0 {
		t.Fatalf("ObjectKeys of a deleted object = %v, %v", keys, err)
	}
	// Put again, the object has only its new keys.
	put(t, s, tn.ID, keyed(shiftwire.People, 1, "tag=z"))
	got, _ = s.Object(ctx, tn.ID, shiftwire.People, 1)
	if want := []shiftwire.Key{{Name: "tag", Value: "z"}}; !slices.Equal(got.Keys, want) {
		t.Fatalf("keys after deleting and putting again = %v, want %v", got.Keys, want)
	}
}

// keyMatches reports whether keys satisfy every match of where, as ListObjects must.
func keyMatches(keys []shiftwire.Key, where []shiftwire.KeyMatch) bool {
	for _, m := range where {
		found := false
		for _, k := range keys {
			if k.Name != m.Name {
				continue
			}
			if m.In != nil {
				found = found || slices.Contains(m.In, k.Value)
			} else {
				found = found || (m.From == "" || k.Value >= m.From) && (m.To == "" || k.Value <= m.To)
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// testObjectKeyMatches lists a few thousand objects with every form of KeyMatch, alone and
// together, selecting few and many objects, page by page, and compares the pages with the
// objects whose keys match. The objects are of a collection no store has heard of, under key
// names of their own.
func testObjectKeyMatches(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "beta")
	const collection, n = "test-keyed", 3000
	var objs []*shiftwire.Object
	for i := int64(1); i <= n; i++ {
		// day follows the id, as dates follow clockings; who does not.
		keys := []string{fmt.Sprintf("day=d%03d", (i-1)*100/n), "who=" + strconv.FormatInt(i%50+1, 10), "kind=A"}
		if i%37 == 0 {
			keys[2] = "kind=R"
		}
		if i%5 == 0 {
			keys = append(keys, "tag=x", "tag=y")
		}
		if i%7 == 0 {
			keys = append(keys, "tag=y")
		}
		objs = append(objs, keyed(collection, i, keys...))
	}
	put(t, s, tn.ID, objs...)
	// The same keys elsewhere must not be found.
	put(t, s, other.ID, keyed(collection, 1, "day=d050", "who=7", "kind=R", "tag=x"))
	put(t, s, tn.ID, keyed("test-other", 1, "day=d050", "who=7", "kind=R", "tag=x"))

	in := func(name string, values ...string) shiftwire.KeyMatch {
		return shiftwire.KeyMatch{Name: name, In: values}
	}
	between := func(name, from, to string) shiftwire.KeyMatch {
		return shiftwire.KeyMatch{Name: name, From: from, To: to}
	}
	allDays := between("day", "d000", "d099")
	queries := [][]shiftwire.KeyMatch{
		{between("day", "d010", "d019")},
		{allDays},
		{between("day", "d090", "")},
		{between("day", "", "d004")},
		{between("tag", "", "")},
		{in("who", "7"), allDays},
		{allDays, in("who", "7", "8", "9")},
		{in("who", "7", "8", "9"), between("day", "d050", "d059")},
		{in("who", "99"), allDays},
		{in("kind", "A"), allDays},
		{in("kind", "R"), allDays},
		{in("kind", "A"), in("tag", "y"), between("day", "d020", "d080")},
		{in("tag", "x", "y")},
		{in("tag", "y"), in("who", "3", "10")},
		// Text order: "50" is between "5" and "9", "10" is not.
		{between("who", "5", "9")},
		{between("who", "10", "19"), in("kind", "R")},
		{in("nothing", "x")},
	}
	for _, where := range queries {
		var want []int64
		for _, o := range objs {
			if keyMatches(o.Keys, where) {
				want = append(want, o.ID)
			}
		}
		for _, limit := range []int{101, 0} {
			var got []int64
			q := shiftwire.ObjectQuery{Collection: collection, Where: where, Limit: limit}
			for page := 0; ; page++ {
				list, err := s.ListObjects(ctx, tn.ID, q)
				if err != nil {
					t.Fatalf("%v: %v", where, err)
				}
				for _, o := range list {
					got = append(got, o.ID)
				}
				if limit == 0 || len(list) < limit || page > n/limit {
					break
				}
				q.AfterID = list[len(list)-1].ID
			}
			if !slices.Equal(got, want) {
				t.Errorf("%v, pages of %d: %d objects %v, want %d %v", where, limit, len(got), head(got), len(want), head(want))
			}
		}
	}
	// An object's keys come with it in a list.
	list, err := s.ListObjects(ctx, tn.ID, shiftwire.ObjectQuery{Collection: collection, Where: []shiftwire.KeyMatch{in("tag", "x")}, Limit: 1})
	if err != nil || len(list) != 1 || !slices.Equal(list[0].Keys, sortedKeys(objs[4].Keys)) {
		t.Fatalf("ListObjects = %v, %v; want object 5 with its keys %v", list, err, sortedKeys(objs[4].Keys))
	}
}

func head(ids []int64) []int64 { return ids[:min(len(ids), 8)] }

// testObjectByKey checks that ObjectByKey finds the lowest id with the key, in its tenant
// and collection only.
func testObjectByKey(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "beta")
	put(t, s, other.ID, keyed(shiftwire.People, 1, "@badge-number=X"))
	put(t, s, tn.ID, keyed(shiftwire.Terminals, 1, "@badge-number=X"))
	put(t, s, tn.ID, keyed(shiftwire.People, 5, "@badge-number=X"), keyed(shiftwire.People, 3, "@badge-number=X", "@employee-number=E3"),
		keyed(shiftwire.People, 9, "@badge-number=X"), keyed(shiftwire.People, 2, "@badge-number=Y"))
	o, err := s.ObjectByKey(ctx, tn.ID, shiftwire.People, "@badge-number", "X")
	if err != nil || o.ID != 3 || o.Collection != shiftwire.People || o.Version == 0 || string(o.Data) != `{"id":3}` ||
		!slices.Equal(o.Keys, []shiftwire.Key{{Name: "@badge-number", Value: "X"}, {Name: "@employee-number", Value: "E3"}}) {
		t.Fatalf("ObjectByKey = %+v, %v; want object 3, the lowest id", o, err)
	}
	err = s.Write(ctx, tn.ID, func(tx shiftwire.WriteTx) error {
		_, err := tx.Delete(ctx, shiftwire.People, 3)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if o, err := s.ObjectByKey(ctx, tn.ID, shiftwire.People, "@badge-number", "X"); err != nil || o.ID != 5 {
		t.Fatalf("ObjectByKey after deleting 3 = %v, %v; want object 5", o, err)
	}
	for _, k := range [][2]string{{"@badge-number", "Z"}, {"@employee-number", "X"}, {"@badge-number", "x"}} {
		_, err := s.ObjectByKey(ctx, tn.ID, shiftwire.People, k[0], k[1])
		wantCode(t, err, shiftwire.ENotFound)
	}
	_, err = s.ObjectByKey(ctx, tn.ID, shiftwire.Contracts, "@badge-number", "X")
	wantCode(t, err, shiftwire.ENotFound)
}

// testObjectKeysRead checks ObjectKeys: the lowest value of each asked name, per object,
// for more ids than one statement may take.
func testObjectKeysRead(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "beta")
	var objs []*shiftwire.Object
	var ids []int64
	want := map[int64]map[string]string{}
	for i := int64(1); i <= 1200; i++ {
		ids = append(ids, i)
		switch i % 4 {
		case 0: // no keys
			objs = append(objs, keyed(shiftwire.People, i))
		case 1:
			objs = append(objs, keyed(shiftwire.People, i, fmt.Sprintf("@badge-number=B%d", i), "tag=ignored"))
			want[i] = map[string]string{"@badge-number": fmt.Sprintf("B%d", i)}
		case 2: // two values of one name: the lowest
			objs = append(objs, keyed(shiftwire.People, i, "@employee-number=E9", "@employee-number=E10", fmt.Sprintf("@badge-number=B%d", i)))
			want[i] = map[string]string{"@badge-number": fmt.Sprintf("B%d", i), "@employee-number": "E10"}
		case 3:
			objs = append(objs, keyed(shiftwire.People, i, "tag=ignored"))
		}
	}
	put(t, s, tn.ID, objs...)
	put(t, s, other.ID, keyed(shiftwire.People, 3, "@badge-number=OTHER"))
	ids = append(ids, 5000) // no such object
	got, err := s.ObjectKeys(ctx, tn.ID, shiftwire.People, ids, []string{"@badge-number", "@employee-number"})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(got, want, maps.Equal) {
		for _, id := range ids {
			if !maps.Equal(got[id], want[id]) {
				t.Fatalf("ObjectKeys: object %d: %v, want %v (%d objects, want %d)", id, got[id], want[id], len(got), len(want))
			}
		}
	}
	got, err = s.ObjectKeys(ctx, tn.ID, shiftwire.People, []int64{1, 2}, []string{"@employee-number"})
	if err != nil || !maps.EqualFunc(got, map[int64]map[string]string{2: {"@employee-number": "E10"}}, maps.Equal) {
		t.Fatalf("ObjectKeys of one name = %v, %v", got, err)
	}
	for _, tc := range []struct {
		ids   []int64
		names []string
	}{{nil, []string{"@badge-number"}}, {[]int64{1}, nil}} {
		got, err := s.ObjectKeys(ctx, tn.ID, shiftwire.People, tc.ids, tc.names)
		if err != nil || len(got) != 0 {
			t.Fatalf("ObjectKeys(%v, %v) = %v, %v; want none", tc.ids, tc.names, got, err)
		}
	}
}

// testNewCollectionKeys uses a collection and key names no store was written for: writing,
// filtering, looking up and delivering its objects needs no change to a store or its schema.
func testNewCollectionKeys(t *testing.T, s shiftwire.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	const collection = "future-collection"
	w := mustWebhook(t, s, tn.ID, collection)
	put(t, s, tn.ID, keyed(collection, 1, "colour=red", "@serial=S-1"), keyed(collection, 2, "colour=blue", "colour=red"),
		keyed(collection, 3, "colour=green", "@serial=S-3"))
	list, err := s.ListObjects(ctx, tn.ID, shiftwire.ObjectQuery{Collection: collection,
		Where: []shiftwire.KeyMatch{{Name: "colour", In: []string{"red"}}}})
	if err != nil || len(list) != 2 || list[0].ID != 1 || list[1].ID != 2 {
		t.Fatalf("ListObjects = %v, %v; want objects 1 and 2", list, err)
	}
	if o, err := s.ObjectByKey(ctx, tn.ID, collection, "@serial", "S-3"); err != nil || o.ID != 3 {
		t.Fatalf("ObjectByKey = %v, %v", o, err)
	}
	keys, err := s.ObjectKeys(ctx, tn.ID, collection, []int64{1, 2, 3}, []string{"@serial"})
	if err != nil || len(keys) != 2 || keys[1]["@serial"] != "S-1" || keys[3]["@serial"] != "S-3" {
		t.Fatalf("ObjectKeys = %v, %v", keys, err)
	}
	ds := claimAll(t, s, later(), later().Add(time.Minute))
	if got := deliveryKeys(map[string]string{w.ID: "w"}, ds); !slices.Equal(got, []string{"w/1/1", "w/2/2", "w/3/3"}) {
		t.Fatalf("deliveries = %v", got)
	}
}

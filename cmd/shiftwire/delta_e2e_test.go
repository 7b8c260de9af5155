package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

const terminalsPath = "/connector/protimeapi/api/v1/terminals"

// deltaAnswer is a page of an initial sync or of a delta.
type deltaAnswer struct {
	Value     []json.RawMessage `json:"value"`
	NextLink  string            `json:"nextLink"`
	DeltaLink string            `json:"deltaLink"`
}

// deleteData is the data of a Delete item, as SPEC section 13 shows it.
var deleteData = regexp.MustCompile(`^\{"id":[0-9]+,"changeVersion":"[0-9A-F]{20}"\}$`)

// deltaItem is an item of a delta page.
type deltaItem struct {
	ChangeType string          `json:"changeType"`
	Data       json.RawMessage `json:"data"`
}

// replica is what a consumer keeps of a collection: each object's JSON by id, and the
// changeVersion of each object and of each delete, to keep the newer state.
type replica struct {
	objects  map[int64]string
	versions map[int64]string
}

func newReplica() *replica {
	return &replica{objects: map[int64]string{}, versions: map[int64]string{}}
}

type idVersion struct {
	ID            int64  `json:"id"`
	ChangeVersion string `json:"changeVersion"`
}

func idAndVersion(t *testing.T, data json.RawMessage) idVersion {
	t.Helper()
	var iv idVersion
	if err := json.Unmarshal(data, &iv); err != nil || iv.ID == 0 || len(iv.ChangeVersion) != 20 {
		t.Fatalf("item %s: want an id and a changeVersion (%v)", data, err)
	}
	return iv
}

// apply merges an object (del false) or a delete by changeVersion: the newer wins.
func (rp *replica) apply(t *testing.T, data json.RawMessage, del bool) {
	iv := idAndVersion(t, data)
	if iv.ChangeVersion < rp.versions[iv.ID] {
		return
	}
	rp.versions[iv.ID] = iv.ChangeVersion
	if del {
		delete(rp.objects, iv.ID)
	} else {
		rp.objects[iv.ID] = string(data)
	}
}

// get reads a page as c and decodes it.
func (f *testServer) deltaPage(c testClient, path string) deltaAnswer {
	f.t.Helper()
	r := f.call(c, http.MethodGet, path, "")
	r.wantStatus(f.t, http.StatusOK)
	var a deltaAnswer
	r.decode(f.t, &a)
	if (a.NextLink == "") == (a.DeltaLink == "") {
		f.t.Fatalf("GET %s: nextLink %q, deltaLink %q; want exactly one", path, a.NextLink, a.DeltaLink)
	}
	return a
}

// initialSync follows the pages of GET path?delta into rp and returns the deltaLink and
// the number of pages.
func (f *testServer) initialSync(c testClient, path string, rp *replica) (string, int) {
	f.t.Helper()
	pages := 0
	for link := path; ; {
		a := f.deltaPage(c, link)
		pages++
		for _, o := range a.Value {
			rp.apply(f.t, o, false)
		}
		if a.DeltaLink != "" {
			return a.DeltaLink, pages
		}
		link = a.NextLink
	}
}

// followDelta follows a deltaLink's pages into rp and returns the items and the next
// deltaLink.
func (f *testServer) followDelta(c testClient, link string, rp *replica) ([]deltaItem, string) {
	f.t.Helper()
	var items []deltaItem
	for {
		a := f.deltaPage(c, link)
		for _, raw := range a.Value {
			var it deltaItem
			if err := json.Unmarshal(raw, &it); err != nil {
				f.t.Fatalf("delta item %s: %v", raw, err)
			}
			switch it.ChangeType {
			case "InsertOrUpdate", "Delete":
				rp.apply(f.t, it.Data, it.ChangeType == "Delete")
			default:
				f.t.Fatalf("delta item %s: unknown changeType", raw)
			}
			items = append(items, it)
		}
		if a.DeltaLink != "" {
			return items, a.DeltaLink
		}
		link = a.NextLink
	}
}

// serverState reads every terminal the ordinary way, as the replica should hold it.
func (f *testServer) serverState(c testClient) map[int64]string {
	f.t.Helper()
	rp := newReplica()
	for link := terminalsPath; link != ""; {
		r := f.call(c, http.MethodGet, link, "")
		r.wantStatus(f.t, http.StatusOK)
		var a deltaAnswer
		r.decode(f.t, &a)
		for _, o := range a.Value {
			rp.apply(f.t, o, false)
		}
		link = a.NextLink
	}
	return rp.objects
}

func terminal(id int, name string) string {
	return fmt.Sprintf(`{"id":%d,"name":%q,"externalCode":"T-%d"}`, id, name, id)
}

// seedTerminals writes terminals 1 to n in one bulk request.
func (f *testServer) seedTerminals(c testClient, n int) {
	f.t.Helper()
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{"collection":"terminals","changeType":"InsertOrUpdate","data":%s}`+"\n", terminal(i, "Door"))
	}
	f.do(apiRequest{method: http.MethodPost, path: changesPath, host: hostOf(c), token: f.token(c), body: b.String(),
		header: http.Header{"Content-Type": {"application/x-ndjson"}}}).wantStatus(f.t, http.StatusOK)
}

func TestDeltaEndToEnd(t *testing.T) {
	f := newFixture(t)
	f.seedTerminals(f.acme, 150)

	rp := newReplica()
	link, pages := f.initialSync(f.acme, terminalsPath+"?delta", rp)
	if pages != 2 || len(rp.objects) != 150 {
		t.Fatalf("initial sync: %d pages, %d objects; want 2 and 150", pages, len(rp.objects))
	}
	if !strings.HasPrefix(link, "/connector/protimeapi/api/v1/delta/terminals?deltaToken=") {
		t.Fatalf("deltaLink = %q", link)
	}

	// An empty delta still has a deltaLink.
	items, link := f.followDelta(f.acme, link, rp)
	if len(items) != 0 {
		t.Fatalf("delta without changes = %v, want none", items)
	}

	// Kinds of change: an update, two updates of one object, an insert, a delete, an insert
	// then a delete, a delete then a re-insert, and a bulk write; another collection's
	// change is not the delta's.
	put := func(id int, name string) {
		f.call(f.acme, http.MethodPut, fmt.Sprintf("%s/%d", terminalsPath, id), terminal(id, name)).wantStatus(t, http.StatusOK)
	}
	del := func(id int) {
		f.call(f.acme, http.MethodDelete, fmt.Sprintf("%s/%d", terminalsPath, id), "").wantStatus(t, http.StatusNoContent)
	}
	put(1, "Front")
	put(2, "Back")
	put(2, "Back door")
	f.call(f.acme, http.MethodPost, terminalsPath, terminal(151, "New")).wantStatus(t, http.StatusCreated)
	del(3)
	f.call(f.acme, http.MethodPost, terminalsPath, terminal(152, "Brief")).wantStatus(t, http.StatusCreated)
	del(152)
	del(4)
	f.call(f.acme, http.MethodPut, terminalsPath+"/4", terminal(4, "Back again")).wantStatus(t, http.StatusCreated)
	f.do(apiRequest{method: http.MethodPost, path: changesPath, host: hostOf(f.acme), token: f.token(f.acme),
		body: `[{"collection":"terminals","changeType":"InsertOrUpdate","data":` + terminal(5, "Bulk") + `},` +
			`{"collection":"absence-groups","changeType":"InsertOrUpdate","data":{"id":1,"name":{"default":"Illness"},"type":"Absence"}}]`}).wantStatus(t, http.StatusOK)

	items, link = f.followDelta(f.acme, link+"&externalReferences=(terminals,@external-code)", rp)
	got := map[int64]string{}
	for _, it := range items {
		iv := idAndVersion(t, it.Data)
		if _, twice := got[iv.ID]; twice {
			t.Fatalf("object %d is in the delta twice: %v", iv.ID, items)
		}
		got[iv.ID] = it.ChangeType
		if it.ChangeType == "InsertOrUpdate" && !strings.Contains(string(it.Data), `"externalReferences":{"@external-code":"T-`) {
			t.Errorf("item %s lacks the external references asked for", it.Data)
		}
	}
	want := map[int64]string{1: "InsertOrUpdate", 2: "InsertOrUpdate", 151: "InsertOrUpdate", 3: "Delete", 152: "Delete", 4: "InsertOrUpdate", 5: "InsertOrUpdate"}
	if !maps.Equal(got, want) {
		t.Fatalf("delta = %v, want %v", got, want)
	}
	if !strings.Contains(string(items[len(items)-1].Data), `"name":"Bulk"`) || !strings.Contains(rp.objects[2], `"name":"Back door"`) {
		t.Fatalf("items are not in changeVersion order with the latest state: %v", items)
	}
	for i := 1; i < len(items); i++ {
		if idAndVersion(t, items[i-1].Data).ChangeVersion >= idAndVersion(t, items[i].Data).ChangeVersion {
			t.Fatalf("items out of changeVersion order: %s then %s", items[i-1].Data, items[i].Data)
		}
	}
	for _, it := range items {
		if it.ChangeType == "Delete" && !deleteData.MatchString(string(it.Data)) {
			t.Fatalf("a Delete item's data = %s, want the id and the changeVersion alone", it.Data)
		}
	}
	// The replica without external references matches the server: read it again plainly.
	for id := range rp.objects {
		rp.objects[id] = strings.Split(rp.objects[id], `,"externalReferences"`)[0]
	}

	// Empty again, with a fresh link.
	if items, next := f.followDelta(f.acme, link, rp); len(items) != 0 || next == "" {
		t.Fatalf("empty delta = %v, %q", items, next)
	}

	// Filters are refused with delta.
	f.call(f.acme, http.MethodGet, terminalsPath+"?delta&filter=id%20eq%201", "").wantStatus(t, http.StatusBadRequest)
	f.call(f.acme, http.MethodGet, link+"&filter=id%20eq%201", "").wantStatus(t, http.StatusBadRequest)

	// A second ?delta retires the first delta's tokens.
	second, _ := f.initialSync(f.acme, terminalsPath+"?delta", newReplica())
	f.call(f.acme, http.MethodGet, link, "").wantError(t, http.StatusGone, "Gone")
	f.call(f.acme, http.MethodGet, second, "").wantStatus(t, http.StatusOK)
	// Another client's delta on the same collection stands beside it; its token is not ours.
	spare, _ := f.initialSync(f.spare, terminalsPath+"?delta", newReplica())
	f.call(f.acme, http.MethodGet, spare, "").wantError(t, http.StatusGone, "Gone")
	f.call(f.acme, http.MethodGet, second, "").wantStatus(t, http.StatusOK)
	// Another tenant's.
	f.call(f.nyc, http.MethodGet, second, "").wantError(t, http.StatusGone, "Gone")
}

// TestDeltaWhileWriting has writers change terminals during the initial sync and between
// deltas: a consumer that applies the sync and then the deltas, keeping the newer
// changeVersion, ends with exactly the server's state.
func TestDeltaWhileWriting(t *testing.T) {
	f := newFixture(t)
	checkDeltaWhileWriting(t, f.testServer, f.acme)
}

// TestDeltaWhileWritingPostgres is TestDeltaWhileWriting on PostgreSQL, run when
// TEST_DATABASE_URL is set: there writes commit concurrently, under the tenant's lock.
func TestDeltaWhileWritingPostgres(t *testing.T) {
	srv, client := startPostgresServer(t)
	checkDeltaWhileWriting(t, srv, client)
}

// checkDeltaWhileWriting runs TestDeltaWhileWriting on f as c, which holds every scope of
// a tenant without terminals.
func checkDeltaWhileWriting(t *testing.T, f *testServer, c testClient) {
	f.seedTerminals(c, 250)

	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				id := 1 + (i*7+w*83)%300
				path := fmt.Sprintf("%s/%d", terminalsPath, id)
				req := apiRequest{method: http.MethodPut, path: path, host: hostOf(c), token: f.token(c), body: terminal(id, fmt.Sprintf("w%d-%d", w, i))}
				if i%5 == 4 {
					req = apiRequest{method: http.MethodDelete, path: path, host: hostOf(c), token: req.token}
				}
				if r := f.do(req); r.status >= 300 && r.status != http.StatusNotFound {
					t.Errorf("%s %s: %d %s", req.method, path, r.status, r.body)
					return
				}
			}
		}()
	}

	rp := newReplica()
	link, _ := f.initialSync(c, terminalsPath+"?delta", rp)
	for range 3 {
		_, link = f.followDelta(c, link, rp)
	}
	stop.Store(true)
	wg.Wait()
	_, _ = f.followDelta(c, link, rp)

	want := f.serverState(c)
	if !maps.Equal(rp.objects, want) {
		for id, o := range want {
			if rp.objects[id] != o {
				t.Errorf("object %d: replica %s, server %s", id, rp.objects[id], o)
			}
		}
		for id, o := range rp.objects {
			if _, ok := want[id]; !ok {
				t.Errorf("object %d: replica %s, deleted on the server", id, o)
			}
		}
		t.Fatalf("the replica (%d objects) differs from the server (%d)", len(rp.objects), len(want))
	}
}

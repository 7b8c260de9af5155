package bench

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// VersionTracker follows the events of a run in which the server writes objects of its own
// (recalculated totals), so an object id does not name one change: events are told apart by
// their changeVersion, which every committed change of a tenant takes anew. Webhooks are in
// groups (collections); how many events each group should get is known only once the load
// ended (SetExpected). Latency is measured for one group, whose object ids are the ones the
// bench writes (Sent).
type VersionTracker struct {
	groups    []string
	hookGroup []int
	seen      []versionSet
	latGroup  int
	objects   int64
	sentAt    []atomic.Int64

	// Latency is the time from the write request to the receipt of each distinct event of
	// the latency group.
	Latency Histogram

	expected []atomic.Int64 // by group; -1 until set
	byGroup  []atomic.Int64 // distinct events received, by group
	counts                  // of every group
}

type versionSet struct {
	mu   sync.Mutex
	seen map[uint64]struct{}
}

// NewVersionTracker returns a tracker for webhooks whose group is hookGroup[i] (an index into
// groups); latencyGroup's events carry the object ids 1 to objects the bench writes.
func NewVersionTracker(groups []string, hookGroup []int, latencyGroup int, objects int64) *VersionTracker {
	t := &VersionTracker{
		groups: groups, hookGroup: hookGroup, latGroup: latencyGroup, objects: objects,
		seen:     make([]versionSet, len(hookGroup)),
		sentAt:   make([]atomic.Int64, objects+1),
		expected: make([]atomic.Int64, len(groups)),
		byGroup:  make([]atomic.Int64, len(groups)),
	}
	for i := range t.seen {
		t.seen[i].seen = map[uint64]struct{}{}
	}
	for i := range t.expected {
		t.expected[i].Store(-1)
	}
	return t
}

// Sent records that the write of object ids first..last of the latency group was sent at.
func (t *VersionTracker) Sent(first, last int64, at time.Time) {
	ns := at.UnixNano()
	for id := max(first, 1); id <= min(last, t.objects); id++ {
		t.sentAt[id].Store(ns)
	}
}

// Received counts the distinct events that arrived, in every group.
func (t *VersionTracker) Received() int64 { return t.received.Load() }

// ReceivedIn counts the distinct events of group g that arrived.
func (t *VersionTracker) ReceivedIn(g int) int64 { return t.byGroup[g].Load() }

// SetExpected sets how many distinct events group g should get in all.
func (t *VersionTracker) SetExpected(g int, n int64) { t.expected[g].Store(n) }

// Complete reports whether every group got its expected events; false while any group's
// expectation is not set. The argument is the total, ignored: the groups decide.
func (t *VersionTracker) Complete(int64) bool {
	for g := range t.groups {
		want := t.expected[g].Load()
		if want < 0 || t.byGroup[g].Load() < want {
			return false
		}
	}
	return true
}

// LatencyHistogram returns the latency of the latency group's events.
func (t *VersionTracker) LatencyHistogram() *Histogram { return &t.Latency }

// Stats returns the counts so far.
func (t *VersionTracker) Stats() TrackerStats { return t.stats() }

// event records the arrival of the event of change version v, object id, at webhook hook.
func (t *VersionTracker) event(hook int, v uint64, id int64, now int64) {
	g := t.hookGroup[hook]
	if v == 0 || (g == t.latGroup && (id < 1 || id > t.objects)) {
		t.unexpected.Add(1)
		return
	}
	s := &t.seen[hook]
	s.mu.Lock()
	_, dup := s.seen[v]
	if !dup {
		s.seen[v] = struct{}{}
	}
	s.mu.Unlock()
	if dup {
		t.duplicates.Add(1)
		return
	}
	t.byGroup[g].Add(1)
	t.distinct(now)
	if g == t.latGroup {
		if sent := t.sentAt[id].Load(); sent != 0 {
			t.Latency.Observe(time.Duration(now - sent))
		}
	}
}

// Handler returns the destination of webhook hook, signed with key: it verifies the
// signature as Tracker.Handler does, records every event of the body by its changeVersion,
// and answers 200 at once.
func (t *VersionTracker) Handler(hook int, key []byte) http.Handler {
	return signedHandler(key, &t.requests, &t.badSignatures, &t.unexpected, func(body []byte, ns int64) bool {
		return eachEventVersion(body, func(v uint64, id int64) { t.event(hook, v, id, ns) })
	})
}

// eachEventVersion calls fn with the changeVersion and data.id of every event in body, one
// event or a batch's {"value":[...]}, scanning the rendered layout as eachEventID does and
// decoding the JSON when the body has another. It reports false when the body holds no event.
func eachEventVersion(body []byte, fn func(v uint64, id int64)) bool {
	found := false
	rest := body
	for {
		i := bytes.Index(rest, idMarker)
		if i < 0 {
			break
		}
		rest = rest[i+len(idMarker):]
		const tail = `","id":`
		if len(rest) < 20+len(tail) || string(rest[20:20+len(tail)]) != tail {
			return decodeEventVersions(body, fn)
		}
		v, err := strconv.ParseUint(string(rest[:20]), 16, 64)
		if err != nil {
			return decodeEventVersions(body, fn)
		}
		rest = rest[20+len(tail):]
		n := 0
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		id, err := strconv.ParseInt(string(rest[:n]), 10, 64)
		if err != nil {
			return decodeEventVersions(body, fn)
		}
		fn(v, id)
		found = true
		rest = rest[n:]
	}
	if !found {
		return decodeEventVersions(body, fn)
	}
	return true
}

// decodeEventVersions is eachEventVersion's slow path.
func decodeEventVersions(body []byte, fn func(v uint64, id int64)) bool {
	type event struct {
		Data struct {
			ChangeVersion string `json:"changeVersion"`
			ID            *int64 `json:"id"`
		} `json:"data"`
	}
	var batch struct {
		Value []event `json:"value"`
	}
	var one event
	events := []event{}
	if json.Unmarshal(body, &batch) == nil && batch.Value != nil {
		events = batch.Value
	} else if json.Unmarshal(body, &one) == nil {
		events = append(events, one)
	}
	found := false
	for _, e := range events {
		v, err := strconv.ParseUint(e.Data.ChangeVersion, 16, 64)
		if e.Data.ID != nil && err == nil {
			fn(v, *e.Data.ID)
			found = true
		}
	}
	return found
}

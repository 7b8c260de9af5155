package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shiftwire/shiftwire/internal/signing"
)

// Tracker knows when the write of every object was sent and which events have arrived.
// Each change of a run writes a distinct object id, from 1 to the run's maximum, so an event
// names the write it came from by its data.id alone.
type Tracker struct {
	hooks   int
	objects int64
	sentAt  []atomic.Int64  // by object id: Unix nanoseconds when its write request was sent
	seen    []atomic.Uint64 // a bit per (webhook, object id)

	// Latency is the time from the write request to the receipt of each distinct event.
	Latency Histogram

	counts
}

// NewTracker returns a tracker for hooks webhooks and object ids 1 to objects.
func NewTracker(hooks int, objects int64) *Tracker {
	return &Tracker{
		hooks:   hooks,
		objects: objects,
		sentAt:  make([]atomic.Int64, objects+1),
		seen:    make([]atomic.Uint64, (int64(hooks)*(objects+1)+63)/64),
	}
}

// Objects returns the largest object id the tracker can follow.
func (t *Tracker) Objects() int64 { return t.objects }

// Sent records that the write of object ids first..last was sent at.
func (t *Tracker) Sent(first, last int64, at time.Time) {
	ns := at.UnixNano()
	for id := max(first, 1); id <= min(last, t.objects); id++ {
		t.sentAt[id].Store(ns)
	}
}

// Received counts the distinct events that arrived.
func (t *Tracker) Received() int64 { return t.received.Load() }

// Complete reports whether expected distinct events arrived.
func (t *Tracker) Complete(expected int64) bool { return t.received.Load() >= expected }

// LatencyHistogram returns the latency of every distinct event.
func (t *Tracker) LatencyHistogram() *Histogram { return &t.Latency }

// TrackerStats is what a tracker counted.
type TrackerStats struct {
	Received      int64     `json:"received"`
	Duplicates    int64     `json:"duplicates"`
	Requests      int64     `json:"requests"`
	BadSignatures int64     `json:"badSignatures"`
	Unexpected    int64     `json:"unexpected"`
	First         time.Time `json:"first"`
	Last          time.Time `json:"last"`
}

// Stats returns the counts so far.
func (t *Tracker) Stats() TrackerStats { return t.stats() }

// event records the arrival of the event of object id at webhook hook.
func (t *Tracker) event(hook int, id int64, now int64) {
	if id < 1 || id > t.objects {
		t.unexpected.Add(1)
		return
	}
	bit := int64(hook)*(t.objects+1) + id
	word, mask := &t.seen[bit/64], uint64(1)<<(bit%64)
	if word.Or(mask)&mask != 0 {
		t.duplicates.Add(1)
		return
	}
	t.distinct(now)
	if sent := t.sentAt[id].Load(); sent != 0 {
		t.Latency.Observe(time.Duration(now - sent))
	}
}

// Handler returns the destination of webhook hook, signed with key: it verifies the
// signature as a Standard Webhooks receiver does, records every event of the body, and
// answers 200 at once. A request whose signature does not verify gets 401 and is counted, so
// a run with broken signing cannot look fast.
func (t *Tracker) Handler(hook int, key []byte) http.Handler {
	return signedHandler(key, &t.requests, &t.badSignatures, &t.unexpected, func(body []byte, ns int64) bool {
		return eachEventID(body, func(id int64) { t.event(hook, id, ns) })
	})
}

// signedHandler is a destination that counts each request, verifies its signature with key
// (401 and counted when it does not verify), hands the body and the time it arrived to
// record, counting it as unexpected when record reports false, and answers 200 at once.
func signedHandler(key []byte, requests, badSignatures, unexpected *atomic.Int64, record func(body []byte, ns int64) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		requests.Add(1)
		now := time.Now()
		if err := signing.Verify(key, r.Header.Get(signing.HeaderID), r.Header.Get(signing.HeaderTimestamp),
			r.Header.Get(signing.HeaderSignature), body, now, 0); err != nil {
			badSignatures.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if !record(body, now.UnixNano()) {
			unexpected.Add(1)
		}
		w.WriteHeader(http.StatusOK)
	})
}

// idMarker is where the object id sits in an event as Shiftwire renders it: data starts with
// its changeVersion (20 hex digits), then the object's own fields, id first.
var idMarker = []byte(`"data":{"changeVersion":"`)

// eachEventID calls fn with the data.id of every event in body, one event or a batch's
// {"value":[...]}. It scans for the rendered layout instead of decoding, so the receivers
// stay cheap next to the server they measure; a body in another layout is decoded as JSON
// instead. It reports false when the body holds no event.
func eachEventID(body []byte, fn func(id int64)) bool {
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
			return decodeEventIDs(body, fn)
		}
		rest = rest[20+len(tail):]
		n := 0
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		id, err := strconv.ParseInt(string(rest[:n]), 10, 64)
		if err != nil {
			return decodeEventIDs(body, fn)
		}
		fn(id)
		found = true
		rest = rest[n:]
	}
	if !found {
		return decodeEventIDs(body, fn)
	}
	return true
}

// decodeEventIDs is eachEventID's slow path.
func decodeEventIDs(body []byte, fn func(id int64)) bool {
	type event struct {
		Data struct {
			ID *int64 `json:"id"`
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
		if e.Data.ID != nil {
			fn(*e.Data.ID)
			found = true
		}
	}
	return found
}

// Servers are the destinations of a run, each on its own loopback port like separate
// receivers would be, so that connection pools and limits per host behave as in production.
type Servers struct {
	URLs []string // by webhook index

	servers []*http.Server
	hang    []*hangListener
}

// DeadMode is how a dead destination fails.
type DeadMode string

// The dead destinations: a port nobody listens on, or a server that accepts connections and
// never answers.
const (
	DeadRefuse DeadMode = "refuse"
	DeadHang   DeadMode = "hang"
)

// StartServers starts one destination per key: the first healthy ones answer through
// handler(i), the rest are dead in the given mode.
func StartServers(healthy, dead int, mode DeadMode, handler func(i int) http.Handler) (*Servers, error) {
	s := &Servers{}
	for i := range healthy {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.Close()
			return nil, err
		}
		srv := &http.Server{
			Handler:           handler(i),
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
		}
		go srv.Serve(ln)
		s.servers = append(s.servers, srv)
		s.URLs = append(s.URLs, fmt.Sprintf("http://%s/hook/%d", ln.Addr(), i))
	}
	for i := healthy; i < healthy+dead; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.Close()
			return nil, err
		}
		switch mode {
		case DeadRefuse:
			// Listening and closing at once yields a port that refuses connections.
			ln.Close()
		case DeadHang:
			h := &hangListener{ln: ln}
			go h.run()
			s.hang = append(s.hang, h)
		default:
			ln.Close()
			s.Close()
			return nil, fmt.Errorf("unknown dead mode %q", mode)
		}
		s.URLs = append(s.URLs, fmt.Sprintf("http://%s/hook/%d", ln.Addr(), i))
	}
	return s, nil
}

// ReleaseHanging closes the hanging destinations' connections, so that attempts stuck on
// them end at once and the server under test can shut down without waiting for them.
func (s *Servers) ReleaseHanging() {
	for _, h := range s.hang {
		h.close()
	}
}

// Close stops every destination.
func (s *Servers) Close() {
	s.ReleaseHanging()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, srv := range s.servers {
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
	}
}

// hangListener accepts connections and never answers on them.
type hangListener struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	done  bool
}

func (h *hangListener) run() {
	for {
		c, err := h.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		h.mu.Lock()
		if h.done {
			c.Close()
		} else {
			h.conns = append(h.conns, c)
		}
		h.mu.Unlock()
		// Read and discard so the client's request is taken off the wire, as a server
		// that is stuck after reading it would.
		go io.Copy(io.Discard, c)
	}
}

func (h *hangListener) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.done {
		return
	}
	h.done = true
	h.ln.Close()
	for _, c := range h.conns {
		c.Close()
	}
	h.conns = nil
}

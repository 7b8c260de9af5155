package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/shiftwire/shiftwire"
)

// changesResult is the answer to POST /changes: how many lines it applied, how many
// change-log entries they made (saving an absence group adds one per other group), and the
// range of their changeVersions, which events and reads will show.
type changesResult struct {
	Lines              int    `json:"lines"`
	Changes            int    `json:"changes"`
	FirstChangeVersion string `json:"firstChangeVersion,omitempty"`
	LastChangeVersion  string `json:"lastChangeVersion,omitempty"`
}

// bulkRetryAfter is the Retry-After of a bulk request refused because MaxBulkRequests
// others are running: about what a large one takes.
const bulkRetryAfter = 5 * time.Second

// takeBulkSlot takes one of the MaxBulkRequests slots of bulk requests, waiting up to
// MaxBulkWait for one; the caller releases it by receiving from s.bulk.
func (s *Server) takeBulkSlot(ctx context.Context) error {
	select {
	case s.bulk <- struct{}{}:
		return nil
	default:
	}
	if s.cfg.MaxBulkWait > 0 {
		if s.bulkWait != nil {
			s.bulkWait()
		}
		t := time.NewTimer(s.cfg.MaxBulkWait)
		defer t.Stop()
		select {
		case s.bulk <- struct{}{}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return shiftwire.Errorf(shiftwire.ETooManyRequests, "%d bulk requests are running, the most this server runs at once; retry later", cap(s.bulk))
}

// postChanges serves POST /changes: a JSON array or NDJSON of
// {"collection","changeType","data"} lines, written in one transaction, all or nothing.
// The body is decoded and checked as it arrives, before the transaction starts, so a slow
// upload holds no lock.
//
// Work is checked before it is paid for (SPEC section 10): a token that may write no
// collection is refused before the body is read, the reading stops at the first line whose
// collection the token may not write, and at most MaxBulkRequests run at once.
func (s *Server) postChanges(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r.Context())
	if err := shiftwire.RequireAnyWriteScope(c.principal); err != nil {
		return err
	}
	if err := s.takeBulkSlot(r.Context()); err != nil {
		if shiftwire.ErrorCodeOf(err) == shiftwire.ETooManyRequests {
			w.Header().Set("Retry-After", strconv.Itoa(int(bulkRetryAfter/time.Second)))
		}
		return err
	}
	defer func() { <-s.bulk }()
	start := s.now()
	lines, err := shiftwire.ReadChangeLines(r.Body, func(collection string) error {
		return c.principal.RequireScope(shiftwire.WriteScope(collection))
	})
	if err != nil {
		return err
	}
	// ReadChangeLines asked about every line it could read the collection of without
	// decoding it; this checks the lines it could not. When lines have problems, the body
	// is refused before its scopes: ApplyChanges lists the problems with the missing
	// references of every line, and writes nothing.
	if shiftwire.LineProblems(lines) == nil {
		for _, name := range shiftwire.ChangeCollections(lines) {
			if err := c.principal.RequireScope(shiftwire.WriteScope(name)); err != nil {
				return err
			}
		}
	}
	sum, err := shiftwire.ApplyChanges(r.Context(), s.store, c.tenant.ID, lines)
	if err != nil {
		return err
	}
	out := changesResult{Lines: len(lines), Changes: sum.Changes}
	if sum.Changes > 0 {
		out.FirstChangeVersion, out.LastChangeVersion = sum.First.String(), sum.Last.String()
	}
	s.log.InfoContext(r.Context(), "changes applied", "tenant", c.tenant.Name, "lines", out.Lines,
		"changes", out.Changes, "duration", s.now().Sub(start).Round(time.Millisecond))
	writeJSON(w, http.StatusOK, out)
	return nil
}

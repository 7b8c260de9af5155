package httpapi

import (
	"net/http"
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

// postChanges serves POST /changes: a JSON array or NDJSON of
// {"collection","changeType","data"} lines, written in one transaction, all or nothing.
// The body is decoded and checked as it arrives, before the transaction starts, so a slow
// upload holds no lock; the caller needs the write scope of every collection it touches,
// checked once the body is known to be valid.
func (s *Server) postChanges(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r.Context())
	start := s.now()
	lines, err := shiftwire.ReadChanges(r.Body)
	if err != nil {
		return err
	}
	for _, name := range shiftwire.ChangeCollections(lines) {
		if err := c.principal.RequireScope(shiftwire.WriteScope(name)); err != nil {
			return err
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

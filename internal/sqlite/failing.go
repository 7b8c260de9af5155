package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/shiftwire/shiftwire"
)

// trackFailures applies the failure-tracking updates of a batch of completions: the webhooks
// that ended the batch with a success are cleared in one statement, and the failing ones set
// many to a statement, unconditionally when they succeeded earlier in the batch and only
// where nothing is set otherwise.
func trackFailures(ctx context.Context, tx *sql.Tx, updates []shiftwire.FailingUpdate) error {
	var cleared []string
	var replace, first []shiftwire.FailingUpdate
	for _, u := range updates {
		switch {
		case u.Since.IsZero() && u.Replace:
			cleared = append(cleared, u.WebhookID)
		case u.Since.IsZero(): // nothing to set where nothing is set
		case u.Replace:
			replace = append(replace, u)
		default:
			first = append(first, u)
		}
	}
	if err := execChunks(ctx, tx, `UPDATE webhooks SET failing_since = NULL WHERE failing_since IS NOT NULL AND id IN (%s)`, nil, cleared); err != nil {
		return err
	}
	for _, set := range []struct {
		updates []shiftwire.FailingUpdate
		cond    string
	}{{replace, ""}, {first, " AND webhooks.failing_since IS NULL"}} {
		for chunk := range chunks(set.updates, 400) {
			args := make([]any, 0, 2*len(chunk))
			for _, u := range chunk {
				args = append(args, u.WebhookID, millis(u.Since))
			}
			if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET failing_since = v.since
				FROM (SELECT column1 AS id, column2 AS since FROM (VALUES `+strings.TrimSuffix(strings.Repeat("(?, ?),", len(chunk)), ",")+`)) AS v
				WHERE webhooks.id = v.id`+set.cond, args...); err != nil {
				return err
			}
		}
	}
	return nil
}

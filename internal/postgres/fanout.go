package postgres

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/shiftwire/shiftwire"
)

// deliveriesPerInsert bounds the rows of one insert of deliveries.
const deliveriesPerInsert = 5000

// fanOut queues the deliveries of a write's changes, in its transaction, which holds the
// tenant's lock: the enabled webhooks of the tenant on the changed collections are read,
// shiftwire.FanOut decides which receive which change, and the rows are inserted many to a
// statement, which also notifies the other instances at commit. It returns how many
// deliveries it queued.
func fanOut(ctx context.Context, tx pgx.Tx, tenantID int64, changes []*shiftwire.Change) (int, error) {
	var collections []string
	for _, c := range changes {
		if !slices.Contains(collections, c.Collection) {
			collections = append(collections, c.Collection)
		}
	}
	rows, err := tx.Query(ctx, `SELECT id, collection, valid_until, created_after FROM webhooks
		WHERE tenant_id = $1 AND status = $2 AND collection = ANY($3)`, tenantID, string(shiftwire.WebhookEnabled), collections)
	if err != nil {
		return 0, err
	}
	webhooks, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*shiftwire.Webhook, error) {
		w := shiftwire.Webhook{TenantID: tenantID, Status: shiftwire.WebhookEnabled}
		var after int64
		if err := row.Scan(&w.ID, &w.Collection, &w.ValidUntil, &after); err != nil {
			return nil, err
		}
		w.ValidUntil, w.CreatedAfter = w.ValidUntil.UTC(), shiftwire.ChangeVersion(after)
		return &w, nil
	})
	if err != nil || len(webhooks) == 0 {
		return 0, err
	}
	queued := shiftwire.FanOut(webhooks, changes)
	// Every change of a write commits at once: its deliveries are due then.
	due := changes[0].CommittedAt
	for rest := queued; len(rest) > 0; {
		chunk := rest[:min(len(rest), deliveriesPerInsert)]
		rest = rest[len(chunk):]
		hooks := make([]string, len(chunk))
		versions := make([]int64, len(chunk))
		objects := make([]int64, len(chunk))
		for i, d := range chunk {
			hooks[i], versions[i], objects[i] = d.WebhookID, int64(d.Version), d.ObjectID
		}
		if _, err := tx.Exec(ctx, `WITH queued AS (
				INSERT INTO deliveries (webhook_id, tenant_id, version, object_id, next_attempt_at)
				SELECT u.webhook_id, $1, u.version, u.object_id, $2
				FROM unnest($3::text[], $4::bigint[], $5::bigint[]) AS u (webhook_id, version, object_id)
				RETURNING 1)
			`+notifySQL, tenantID, due, hooks, versions, objects); err != nil {
			return 0, err
		}
	}
	return len(queued), nil
}

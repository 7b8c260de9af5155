package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/shiftwire/shiftwire"
)

// maxParameters is SQLite's limit on the parameters of a statement.
const maxParameters = 32766

// fanOut queues the deliveries of a write's changes, in its transaction: the enabled
// webhooks of the tenant on the changed collections are read, shiftwire.FanOut decides which
// receive which change, and the rows are inserted many to a statement. It returns how many
// deliveries it queued.
func fanOut(ctx context.Context, tx *sql.Tx, tenantID int64, changes []*shiftwire.Change) (int, error) {
	var collections []string
	for _, c := range changes {
		if !slices.Contains(collections, c.Collection) {
			collections = append(collections, c.Collection)
		}
	}
	args := []any{tenantID, string(shiftwire.WebhookEnabled)}
	for _, c := range collections {
		args = append(args, c)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, collection, status, valid_until, created_after FROM webhooks
		WHERE tenant_id = ? AND status = ? AND collection IN (`+placeholders(len(collections))+`)`, args...)
	if err != nil {
		return 0, err
	}
	var webhooks []*shiftwire.Webhook
	for rows.Next() {
		var w shiftwire.Webhook
		var status string
		var validUntil int64
		if err := rows.Scan(&w.ID, &w.Collection, &status, &validUntil, &w.CreatedAfter); err != nil {
			rows.Close()
			return 0, err
		}
		w.TenantID, w.Status, w.ValidUntil = tenantID, shiftwire.WebhookStatus(status), fromMillis(validUntil)
		webhooks = append(webhooks, &w)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(webhooks) == 0 {
		return 0, err
	}
	queued := shiftwire.FanOut(webhooks, changes)
	if len(queued) == 0 {
		return 0, nil
	}
	// Every change of a write commits at once: its deliveries are due then. The rows are
	// inserted as the changes received by the same webhooks times those webhooks, usually
	// one group: a few parameters per change and webhook instead of three per row.
	due := millis(changes[0].CommittedAt)
	for _, g := range groupDeliveries(queued) {
		for hooks := range chunks(g.hooks, maxParameters/4) {
			for cs := range chunks(g.changes, (maxParameters-2-len(hooks))/2) {
				args := make([]any, 0, 2+2*len(cs)+len(hooks))
				args = append(args, tenantID, due)
				for _, c := range cs {
					args = append(args, int64(c.Version), c.ObjectID)
				}
				for _, h := range hooks {
					args = append(args, h)
				}
				// CROSS JOIN keeps the order of the changes, as FanOut does.
				if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (webhook_id, tenant_id, version, object_id, next_attempt_at)
					SELECT w.column1, ?1, c.column1, c.column2, ?2
					FROM (VALUES `+strings.TrimSuffix(strings.Repeat("(?, ?),", len(cs)), ",")+`) AS c
					CROSS JOIN (VALUES `+strings.TrimSuffix(strings.Repeat("(?),", len(hooks)), ",")+`) AS w`, args...); err != nil {
					return 0, err
				}
			}
		}
	}
	return len(queued), nil
}

// deliveryGroup is changes queued for the same webhooks.
type deliveryGroup struct {
	hooks   []string
	changes []shiftwire.QueuedDelivery // the changes, without their webhook
}

// groupDeliveries groups what FanOut queued, change by change, by the webhooks that receive
// each change, in the order the groups and their changes first appear.
func groupDeliveries(queued []shiftwire.QueuedDelivery) []*deliveryGroup {
	var groups []*deliveryGroup
	byHooks := map[string]*deliveryGroup{}
	for len(queued) > 0 {
		n := 1
		for n < len(queued) && queued[n].Version == queued[0].Version {
			n++
		}
		hooks := make([]string, n)
		for i, d := range queued[:n] {
			hooks[i] = d.WebhookID
		}
		key := strings.Join(hooks, " ")
		g := byHooks[key]
		if g == nil {
			g = &deliveryGroup{hooks: hooks}
			byHooks[key] = g
			groups = append(groups, g)
		}
		g.changes = append(g.changes, shiftwire.QueuedDelivery{Version: queued[0].Version, ObjectID: queued[0].ObjectID})
		queued = queued[n:]
	}
	return groups
}

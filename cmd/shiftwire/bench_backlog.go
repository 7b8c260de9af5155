package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/masterkey"
	"github.com/shiftwire/shiftwire/internal/signing"
	"github.com/shiftwire/shiftwire/internal/sqlite"
)

// backlogTxChanges is how many changes one pre-fill transaction writes: with 100 webhooks,
// 200,000 queued deliveries per commit.
const backlogTxChanges = 2000

// prefillBacklog queues a backlog before any server runs: it opens the SQLite file the way
// serve does (same file, same <db>.key), subscribes each destination to the bench
// collection, and writes objects 1..changes through the same object writer the API uses,
// in large transactions, so that every change is fanned out to every webhook. It returns
// each webhook's signing key, in the order of dests.
func prefillBacklog(ctx context.Context, dbPath, tenantName, clientID string, dests []string, batchSize int,
	changes int64, progress io.Writer) ([][]byte, error) {
	master, err := masterkey.LoadOrCreate(dbPath + ".key")
	if err != nil {
		return nil, err
	}
	box, err := masterkey.NewBox(master)
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, dbPath, box)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tenant, err := db.TenantByName(ctx, tenantName)
	if err != nil {
		return nil, err
	}

	keys := make([][]byte, len(dests))
	for i, dest := range dests {
		key, err := signing.NewKey()
		if err != nil {
			return nil, err
		}
		created := time.Now()
		now := created.UTC().Truncate(time.Second)
		hook := &shiftwire.Webhook{
			ID:             shiftwire.NewID(created),
			TenantID:       tenant.ID,
			ClientID:       clientID,
			DestinationURL: dest,
			Collection:     benchCollection,
			BatchSize:      batchSize,
			Key:            key,
			Status:         shiftwire.WebhookEnabled,
			CreatedAt:      now,
			ValidUntil:     now.Add(shiftwire.DefaultWebhookValidity),
		}
		if err := db.CreateWebhook(ctx, hook); err != nil {
			return nil, err
		}
		keys[i] = key.Reveal()
	}

	start := time.Now()
	for first := int64(1); first <= changes; first += backlogTxChanges {
		last := min(first+backlogTxChanges-1, changes)
		_, err := shiftwire.WriteObjects(ctx, db, tenant.ID, func(w *shiftwire.ObjectWriter) error {
			for id := first; id <= last; id++ {
				if _, _, err := w.Put(ctx, benchBreakDefinition(id)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("pre-fill changes %d..%d: %w", first, last, err)
		}
		if progress != nil && (last == changes || last/backlogTxChanges%5 == 0) {
			fmt.Fprintf(progress, "bench: pre-filled %d of %d changes (%d events) in %s\n",
				last, changes, last*int64(len(dests)), time.Since(start).Round(time.Millisecond))
		}
	}
	return keys, nil
}

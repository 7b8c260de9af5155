package metrics

import (
	"context"

	"github.com/shiftwire/shiftwire"
)

// CountingStore is a Store that counts the changes each committed write made, by
// collection. A write that rolls back counts nothing.
type CountingStore struct {
	shiftwire.Store
	metrics *Metrics
}

// CountChanges wraps store so its committed writes are counted in m.
func CountChanges(store shiftwire.Store, m *Metrics) *CountingStore {
	return &CountingStore{Store: store, metrics: m}
}

// Write runs fn like the wrapped store and counts its changes once they committed.
func (s *CountingStore) Write(ctx context.Context, tenantID int64, fn func(shiftwire.WriteTx) error) error {
	var counts map[string]int
	err := s.Store.Write(ctx, tenantID, func(tx shiftwire.WriteTx) error {
		counts = map[string]int{} // fn may run again if the store retries
		return fn(&countingTx{WriteTx: tx, counts: counts})
	})
	if err == nil {
		for collection, n := range counts {
			s.metrics.ChangesCommitted(collection, n)
		}
	}
	return err
}

type countingTx struct {
	shiftwire.WriteTx
	counts map[string]int
}

func (tx *countingTx) Put(ctx context.Context, o *shiftwire.Object) error {
	if err := tx.WriteTx.Put(ctx, o); err != nil {
		return err
	}
	tx.counts[o.Collection]++
	return nil
}

func (tx *countingTx) Delete(ctx context.Context, collection string, id int64) (shiftwire.ChangeVersion, error) {
	v, err := tx.WriteTx.Delete(ctx, collection, id)
	if err == nil {
		tx.counts[collection]++
	}
	return v, err
}

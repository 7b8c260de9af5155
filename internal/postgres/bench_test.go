package postgres_test

import (
	"testing"

	"github.com/shiftwire/shiftwire/internal/storetest"
)

// The benchmarks here measure the PostgreSQL store's side of delivery on the shapes the
// SQLite store's benchmarks use, with the statements each delivery costs. Run them with
//
//	TEST_DATABASE_URL=postgres://... go test -run '^$' -bench . ./internal/postgres

// BenchmarkCompleteDeliveries writes back a batch of 512 successful one-event attempts.
func BenchmarkCompleteDeliveries(b *testing.B) {
	db := openTestDB(b, 1)[0]
	storetest.BenchCompleteDeliveries(b, db, 512, 0, db.Statements)
}

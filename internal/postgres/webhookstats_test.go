package postgres_test

import (
	"testing"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

func TestWebhookStats(t *testing.T) {
	storetest.RunStats(t, func(t *testing.T) shiftwire.Store { return openTestDB(t, 1)[0] })
}

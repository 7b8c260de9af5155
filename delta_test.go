package shiftwire_test

import (
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

func TestDeltaCheck(t *testing.T) {
	used := time.Date(2025, 1, 10, 13, 0, 0, 0, time.UTC)
	d := &shiftwire.Delta{ID: 1, TenantID: 1, ClientID: "erp", Collection: shiftwire.Clockings, Cursor: 10, LastUsedAt: used}
	for _, tt := range []struct {
		name       string
		client     string
		collection string
		cursor     shiftwire.ChangeVersion
		now        time.Time
		gone       bool
	}{
		{"the last token", "erp", shiftwire.Clockings, 10, used, false},
		{"a later token", "erp", shiftwire.Clockings, 12, used, false},
		{"at 72 hours", "erp", shiftwire.Clockings, 10, used.Add(shiftwire.DeltaValidity), false},
		{"after 72 hours", "erp", shiftwire.Clockings, 10, used.Add(shiftwire.DeltaValidity + time.Millisecond), true},
		{"a replaced token", "erp", shiftwire.Clockings, 9, used, true},
		{"another client", "payroll", shiftwire.Clockings, 10, used, true},
		{"another collection", "erp", shiftwire.Terminals, 10, used, true},
	} {
		err := d.Check(tt.client, tt.collection, tt.cursor, tt.now)
		if gone := shiftwire.ErrorCodeOf(err) == shiftwire.EGone; gone != tt.gone || (err != nil && !gone) {
			t.Errorf("%s: Check = %v, want gone %v", tt.name, err, tt.gone)
		}
	}
}

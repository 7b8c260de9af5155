package shiftwire

import "testing"

func TestRecalcSpans(t *testing.T) {
	tests := []struct {
		name     string
		span     RecalcSpan
		data     string
		person   int64
		from, to string
		ok       bool
	}{
		{"a clocking", recalcOnDay, `{"id":1,"person":{"id":12},"date":"2025-03-17","kind":"InOut"}`, 12, "2025-03-17", "2025-03-17", true},
		{"no person", recalcOnDay, `{"id":1,"date":"2025-03-17"}`, 0, "2025-03-17", "2025-03-17", false},
		{"no date", recalcOnDay, `{"id":1,"person":{"id":12}}`, 12, "", "", false},
		{"a contract", recalcOverPeriod, `{"id":1,"person":{"id":3},"from":"2025-01-01","until":"2025-06-30"}`, 3, "2025-01-01", "2025-06-30", true},
		{"an open-ended contract", recalcOverPeriod, `{"id":1,"person":{"id":3},"from":"2025-01-01"}`, 3, "2025-01-01", "9999-12-31", true},
	}
	for _, tt := range tests {
		person, from, to, ok := tt.span([]byte(tt.data))
		if person != tt.person || from != tt.from || to != tt.to || ok != tt.ok {
			t.Errorf("%s: %d %q %q %v, want %d %q %q %v", tt.name, person, from, to, ok, tt.person, tt.from, tt.to, tt.ok)
		}
	}
}

package main

import "testing"

// FuzzSplitEvents feeds listen's body decoder anything: it never panics, and what it
// returns for a batch is one event per element.
func FuzzSplitEvents(f *testing.F) {
	f.Add([]byte(`{"changeType":"InsertOrUpdate","data":{"changeVersion":"0000000000000000002A","id":12}}`))
	f.Add([]byte(`{"value":[{"changeType":"Delete","data":{"id":1}},{"changeType":"InsertOrUpdate","data":{"id":2}}]}`))
	f.Add([]byte(`{"value":null}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte(`{"data":{"id":"x"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := splitEvents(body)
		if err != nil {
			return
		}
		for _, ev := range events {
			if len(ev.raw) == 0 {
				t.Fatalf("an event without its JSON from %q", body)
			}
			_ = ev.describe()
		}
	})
}

// Command receiver is an example destination for Shiftwire webhooks: it verifies each
// request's Standard Webhooks signature, drops duplicates by webhook-id, ignores changes
// older than the newest one already applied to the same object, and answers 204.
//
//	WEBHOOK_KEY=whsec_... go run ./examples/receiver -addr 127.0.0.1:9999
package main

import (
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"sync"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// event is one change: Protime's delta item.
type event struct {
	ChangeType string `json:"changeType"` // InsertOrUpdate or Delete
	Data       struct {
		ID            int64  `json:"id"`
		ChangeVersion string `json:"changeVersion"`
	} `json:"data"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9999", "address to listen on")
	flag.Parse()
	verifier, err := standardwebhooks.NewWebhook(os.Getenv("WEBHOOK_KEY"))
	if err != nil {
		log.Fatalf("WEBHOOK_KEY: %v", err)
	}
	var mu sync.Mutex
	seen := map[string]bool{}     // webhook-id values already handled
	applied := map[int64]string{} // object id -> newest changeVersion applied

	http.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
		if err != nil {
			http.Error(w, "read error", http.StatusBadRequest)
			return
		}
		// 1. Verify the signature (and that the timestamp is recent) before trusting anything.
		if err := verifier.Verify(body, r.Header); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		// 2. Deliveries are at least once: the same webhook-id may come again.
		id := r.Header.Get("webhook-id")
		if seen[id] {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		// 3. One event, or {"value":[...]} for a webhook created with ?batchSize=N.
		var events []event
		var batch struct {
			Value []event `json:"value"`
		}
		if json.Unmarshal(body, &batch) == nil && batch.Value != nil {
			events = batch.Value
		} else {
			var one event
			if err := json.Unmarshal(body, &one); err != nil {
				http.Error(w, "bad body", http.StatusBadRequest)
				return
			}
			events = []event{one}
		}
		for _, ev := range events {
			// 4. changeVersion strings compare in commit order: skip anything older.
			if ev.Data.ChangeVersion <= applied[ev.Data.ID] {
				continue
			}
			applied[ev.Data.ID] = ev.Data.ChangeVersion
			log.Printf("%s %d at %s", ev.ChangeType, ev.Data.ID, ev.Data.ChangeVersion)
		}
		seen[id] = true
		w.WriteHeader(http.StatusNoContent)
	})
	log.Printf("receiving on http://%s", *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}

// Command receiver is an example destination for Shiftwire webhooks, built on the consumer
// package: it verifies each request's Standard Webhooks signature, prints every change it
// applies, logs every request it rejects with the reason, skips changes older than the one
// already applied to the same object, and answers 204.
//
//	WEBHOOK_KEY=whsec_... go run ./examples/receiver -addr 127.0.0.1:9999 -collection clockings
//
// WEBHOOK_KEY is the key POST /webhooks answered; during a key rotation it may hold the old
// and the new key, separated by a space.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"net/http"
	"os"

	"github.com/shiftwire/shiftwire/consumer"
)

func main() {
	addr, handler, err := setup(os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "receiver:", err)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "receiver: listening on http://%s\n", addr)
	if err := http.ListenAndServe(addr, handler); err != nil {
		fmt.Fprintln(os.Stderr, "receiver:", err)
		os.Exit(1)
	}
}

// setup reads the flags and WEBHOOK_KEY and returns the address to listen on and the
// handler, or what to fix. The changes applied are printed on stdout, the log goes to logTo.
func setup(args []string, getenv func(string) string, stdout, logTo io.Writer) (string, http.Handler, error) {
	fs := flag.NewFlagSet("receiver", flag.ContinueOnError)
	fs.SetOutput(logTo)
	addr := fs.String("addr", "127.0.0.1:9999", "address to listen on")
	collection := fs.String("collection", "clockings", "the webhook's collection (its collectionName)")
	if err := fs.Parse(args); err != nil {
		return "", nil, err
	}
	keys := consumer.SplitKeys(getenv("WEBHOOK_KEY"))
	if len(keys) == 0 {
		return "", nil, errors.New("WEBHOOK_KEY is not set: set it to the key POST /webhooks answered (\"key\":\"whsec_...\")")
	}
	log := slog.New(slog.NewTextHandler(logTo, nil))
	changes := stdlog.New(stdout, "", stdlog.LstdFlags) // safe for concurrent use
	h, err := consumer.NewHandler(consumer.Config{
		Collection: *collection,
		Keys:       keys,
		Logger:     log, // a line for every rejected request, with the reason
		Apply: func(ctx context.Context, ev consumer.Event) error {
			// Replace with the real work: store ev.Object, a *shiftwire.Clocking for clockings.
			object, _ := json.Marshal(ev.Object)
			changes.Printf("%s %s %d at %s %s", ev.ChangeType, ev.Collection, ev.ID, ev.ChangeVersion, object)
			return nil
		},
	})
	if errors.Is(err, consumer.ErrInvalidKey) {
		return "", nil, fmt.Errorf("WEBHOOK_KEY: %w", err)
	}
	if err != nil {
		return "", nil, err
	}
	return *addr, h, nil
}

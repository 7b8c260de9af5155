package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/shiftwire/shiftwire"
)

// maxEventBody bounds the body listen reads of one request: a batch of the largest events.
const maxEventBody = 64 << 20

// listenConfig is the settings of listen.
type listenConfig struct {
	client      clientConfig
	collections stringList
	forwardTo   string
	addr        string
	url         string // what the server reaches the receiver at; "": http://addr
	json        bool
}

// runListen subscribes a receiver on loopback to collections, verifies and prints every
// event, forwards it to --forward-to, and deletes its webhooks when ctx ends.
func runListen(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg listenConfig
	fs := flag.NewFlagSet("listen", flag.ContinueOnError)
	cfg.client.register(fs)
	fs.Var(&cfg.collections, "collection", "a `collection` to subscribe to, such as clockings; may be repeated or space-separated")
	fs.StringVar(&cfg.forwardTo, "forward-to", "", "forward each request, body and signature headers unchanged, to this URL and answer the server with its status")
	// Not --addr: SHIFTWIRE_ADDR is serve's address, and a shell that runs both must not
	// have listen take the server's port.
	fs.StringVar(&cfg.addr, "receiver-addr", "127.0.0.1:0", "the address of the local receiver the webhooks point at; the server must be able to reach it")
	fs.StringVar(&cfg.url, "receiver-url", "", "the base `URL` the server reaches the receiver at, when not http://<receiver-addr> (a server in a container: http://host.docker.internal:9000)")
	fs.BoolVar(&cfg.json, "json", false, "print each event as the JSON it arrived in, compacted to one line, instead of a readable line")
	positional, err := parseFlags(fs, args, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return fmt.Errorf("listen takes no arguments, got %q", positional)
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("--receiver-addr: %w", err)
	}
	l := &listener{
		cfg:     cfg,
		api:     newAPIClient(cfg.client),
		out:     stdout,
		log:     stderr,
		forward: newForwardClient(),
		hooks:   map[string]*listenHook{},
	}
	srv := &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer srv.Close()

	// Whatever happens from here, the webhooks made so far are deleted on the way out.
	defer l.deleteHooks(stderr)
	base := strings.TrimSuffix(cfg.url, "/")
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	if err := l.subscribe(ctx, base); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "listening on %s for %s; Ctrl-C to stop and delete the webhooks\n", base, strings.Join(cfg.collections, ", "))
	select {
	case <-ctx.Done():
		return nil
	case err := <-served:
		return fmt.Errorf("receiver: %w", err)
	}
}

// validate checks the flags of listen.
func (c *listenConfig) validate() error {
	var problems []string
	if err := c.client.validate(); err != nil {
		problems = append(problems, err.Error())
	}
	if len(c.collections) == 0 {
		problems = append(problems, "give at least one --collection, such as --collection clockings")
	}
	seen := map[string]bool{}
	for _, name := range c.collections {
		if t, ok := shiftwire.CollectionByName(name); !ok || !t.Subscribable {
			problems = append(problems, fmt.Sprintf("--collection %q: not a collection webhooks can subscribe to (%s)", name, strings.Join(subscribableNames(), ", ")))
		} else if seen[name] {
			problems = append(problems, fmt.Sprintf("--collection %q given twice", name))
		}
		seen[name] = true
	}
	if c.forwardTo != "" {
		u, err := url.Parse(c.forwardTo)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, fmt.Sprintf("--forward-to must be an http or https URL, such as http://127.0.0.1:9999/hook; got %q", c.forwardTo))
		}
	}
	if c.url != "" {
		u, err := url.Parse(c.url)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			problems = append(problems, fmt.Sprintf("--receiver-url must be an http or https base URL without a query, such as http://host.docker.internal:9000; got %q", c.url))
		}
	} else if host, _, err := net.SplitHostPort(c.addr); err == nil {
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			// The server cannot send to 0.0.0.0: it needs the address it reaches this machine at.
			problems = append(problems, fmt.Sprintf("--receiver-addr %q listens on every address: give --receiver-url, the URL the server reaches it at", c.addr))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// subscribableNames lists the collections webhooks may subscribe to.
func subscribableNames() []string {
	var out []string
	for _, t := range shiftwire.Collections() {
		if t.Subscribable {
			out = append(out, t.Name)
		}
	}
	slices.Sort(out)
	return out
}

// listener is the local receiver of listen.
type listener struct {
	cfg     listenConfig
	api     *apiClient
	out     io.Writer // events
	log     io.Writer // everything else
	forward *http.Client

	mu    sync.Mutex // guards hooks and writes to out and log
	hooks map[string]*listenHook
	order []*listenHook
}

// listenHook is one webhook listen created.
type listenHook struct {
	id         string
	collection string
	verifier   *standardwebhooks.Webhook
}

// subscribe creates one webhook per collection, each pointing at its own path of the
// receiver, so that a request tells which key verifies it.
func (l *listener) subscribe(ctx context.Context, base string) error {
	for _, collection := range l.cfg.collections {
		var created struct {
			ID  string `json:"id"`
			Key string `json:"key"`
		}
		body := map[string]string{"destinationUrl": base + "/" + collection, "collectionName": collection}
		if err := l.api.call(ctx, http.MethodPost, apiPrefix+"/webhooks", body, http.StatusCreated, &created); err != nil {
			if strings.Contains(err.Error(), "destination") {
				err = fmt.Errorf("%w (a server refuses http and loopback destinations unless started with --dev or --allow-insecure-destinations --allow-private-destinations)", err)
			}
			return fmt.Errorf("subscribing to %s: %w", collection, err)
		}
		verifier, err := standardwebhooks.NewWebhook(created.Key)
		h := &listenHook{id: created.ID, collection: collection, verifier: verifier}
		l.mu.Lock()
		l.hooks[collection] = h
		l.order = append(l.order, h)
		l.mu.Unlock()
		if err != nil {
			return fmt.Errorf("the key of webhook %s: %w", created.ID, err)
		}
		if l.cfg.forwardTo != "" {
			// The forwarded requests keep the server's signature: the receiver behind
			// --forward-to verifies them with this key.
			fmt.Fprintf(l.log, "webhook %s on %s, signing key %s\n", created.ID, collection, created.Key)
		} else {
			fmt.Fprintf(l.log, "webhook %s on %s\n", created.ID, collection)
		}
	}
	return nil
}

// deleteHooks deletes every webhook listen created, with a context of its own: it runs
// after the command's context was cancelled.
func (l *listener) deleteHooks(log io.Writer) {
	l.mu.Lock()
	hooks := l.order
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for _, h := range hooks {
		if err := l.api.call(ctx, http.MethodDelete, apiPrefix+"/webhooks/"+url.PathEscape(h.id), nil, http.StatusNoContent, nil); err != nil {
			fmt.Fprintf(log, "deleting webhook %s on %s: %v\n", h.id, h.collection, err)
			continue
		}
		fmt.Fprintf(log, "deleted webhook %s on %s\n", h.id, h.collection)
	}
}

// ServeHTTP verifies one request, prints its events, forwards it, and answers.
func (l *listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	collection := strings.TrimPrefix(r.URL.Path, "/")
	l.mu.Lock()
	h := l.hooks[collection]
	l.mu.Unlock()
	if h == nil || r.Method != http.MethodPost {
		// A request that raced the creation answer: the server retries it.
		http.Error(w, "no webhook of listen here", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxEventBody))
	if err != nil {
		http.Error(w, "reading the body", http.StatusBadRequest)
		return
	}
	if err := h.verifier.Verify(body, r.Header); err != nil {
		l.printf(l.log, "%s rejected a request for %s: the signature does not verify with the webhook's key (%v)\n", time.Now().Format(time.TimeOnly), collection, err)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	events, err := splitEvents(body)
	if err != nil {
		l.printf(l.log, "%s %s: a verified body that is not an event: %v\n", time.Now().Format(time.TimeOnly), collection, err)
	}
	status, result := http.StatusNoContent, ""
	if l.cfg.forwardTo != "" {
		status, result = l.forwardRequest(r, body)
	}
	at := time.Now()
	if ts, err := strconv.ParseInt(r.Header.Get("webhook-timestamp"), 10, 64); err == nil {
		at = time.Unix(ts, 0)
	}
	for _, ev := range events {
		if l.cfg.json {
			l.printf(l.out, "%s\n", ev.raw)
			continue
		}
		l.printf(l.out, "%s  %s  %s%s\n", at.Format(time.TimeOnly), collection, ev.describe(), result)
	}
	if l.cfg.json && result != "" {
		l.printf(l.log, "%s %s%s\n", at.Format(time.TimeOnly), r.Header.Get("webhook-id"), result)
	}
	w.WriteHeader(status)
}

// newForwardClient returns the client that forwards to --forward-to. A redirect is an
// answer like any other: relayed to the server as it is, never followed (following it would
// turn the POST into a GET).
func newForwardClient() *http.Client {
	return &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// forwardRequest sends the request on to --forward-to, unchanged, and returns the status to
// answer the server with and what to print about it.
func (l *listener) forwardRequest(r *http.Request, body []byte) (int, string) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, l.cfg.forwardTo, bytes.NewReader(body))
	if err != nil {
		return http.StatusBadGateway, "  -> forward failed: " + err.Error()
	}
	for _, name := range []string{"Content-Type", "User-Agent", "webhook-id", "webhook-timestamp", "webhook-signature"} {
		if v := r.Header.Values(name); len(v) > 0 {
			req.Header[http.CanonicalHeaderKey(name)] = v
		}
	}
	resp, err := l.forward.Do(req)
	if err != nil {
		// The server sees a failed attempt and retries, as it would with the receiver down.
		return http.StatusBadGateway, "  -> forward failed: " + err.Error()
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, fmt.Sprintf("  -> %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
}

// printf writes one whole line to w, never interleaved with another request's.
func (l *listener) printf(w io.Writer, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(w, format, args...)
}

// listenEvent is one event of a request body.
type listenEvent struct {
	raw        json.RawMessage
	ChangeType string `json:"changeType"`
	Data       struct {
		ID            json.RawMessage `json:"id"`
		ChangeVersion string          `json:"changeVersion"`
	} `json:"data"`
}

// describe is the readable part of an event's line.
func (e *listenEvent) describe() string {
	s := e.ChangeType
	if s == "" {
		s = "(no changeType)"
	}
	if len(e.Data.ID) > 0 {
		s += "  id=" + string(e.Data.ID)
	}
	if e.Data.ChangeVersion != "" {
		s += "  changeVersion=" + e.Data.ChangeVersion
	}
	return s
}

// splitEvents decodes a body of one event, or a batch {"value":[event, ...]}.
func splitEvents(body []byte) ([]listenEvent, error) {
	var probe struct {
		Value *[]json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, err
	}
	raws := []json.RawMessage{body}
	if probe.Value != nil {
		raws = *probe.Value
	}
	out := make([]listenEvent, 0, len(raws))
	for _, raw := range raws {
		var ev listenEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return out, err
		}
		var compact bytes.Buffer
		if json.Compact(&compact, raw) == nil {
			raw = compact.Bytes()
		}
		ev.raw = raw
		out = append(out, ev)
	}
	return out, nil
}

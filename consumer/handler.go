package consumer

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/shiftwire/shiftwire"
)

// DefaultMaxBodyBytes bounds a request body unless Config.MaxBodyBytes says otherwise: a
// batch of 1,000 large events fits.
const DefaultMaxBodyBytes = 16 << 20

// Config configures a Handler.
type Config struct {
	// Collection is the webhook's collection, such as shiftwire.Clockings: an event does not
	// name it, so a handler serves the webhooks of one collection.
	Collection string
	// Keys are the webhook keys, "whsec_..." as POST /webhooks printed them. A request
	// passes when it is signed by any one of them. Several webhooks of the collection may
	// share the handler, each with its key.
	Keys []string
	// Apply applies one change. It is called for each event of a request in order, only for
	// a change newer than the one applied to its object before, and never for two events of
	// one object at once. Its error is the answer (500, or a StatusError's code), and the
	// server sends the request again later; changes of the request applied before the
	// failure are skipped then. A crash between Apply and recording the version sends the
	// same change again, so Apply must accept a change it already applied.
	Apply func(ctx context.Context, ev Event) error
	// Notice, when set, receives the webhooks' lifecycle notifications, so that the
	// handler can serve as lifecycleNotificationUrl too; its error is the answer, as Apply's.
	// Without it a notification is answered 400. A notice may come twice (a retry whose
	// answer was lost); its MessageID is the same then.
	Notice func(ctx context.Context, n Notice) error
	// Versions keeps the newest version applied per object; a new MemoryVersions when nil.
	Versions Versions
	// Logger receives a line for every rejected request (Warn, with the reason), every
	// failed Apply (Error) and every skipped change (Debug); nothing when nil.
	Logger *slog.Logger
	// MaxBodyBytes bounds a request body; DefaultMaxBodyBytes when 0.
	MaxBodyBytes int64
}

// Handler receives the webhooks of one collection: it verifies each request's signature,
// decodes its events and passes each newer change to Config.Apply. It answers 204 when every
// event was applied or skipped as old; 401 with the reason for a request not signed by a
// configured key; 400 for a body that is not an event; 413 for a body over the limit; and
// Apply's error status. Pings are answered 204 without calling Apply; lifecycle
// notifications go to Config.Notice.
type Handler struct {
	collection *shiftwire.CollectionType
	verifier   atomic.Pointer[verifier]
	apply      func(ctx context.Context, ev Event) error
	notice     func(ctx context.Context, n Notice) error
	versions   Versions
	log        *slog.Logger
	maxBody    int64

	// locks serialise the changes of one object, so that a duplicate racing a newer change
	// cannot apply an older version after the newer one. An object takes the lock its key
	// hashes to; objects that share one only wait for each other.
	locks [64]sync.Mutex
	seed  maphash.Seed
}

// NewHandler returns a Handler for cfg, or what is wrong with cfg.
func NewHandler(cfg Config) (*Handler, error) {
	t, err := shiftwire.SubscribableCollection(cfg.Collection)
	if err != nil {
		return nil, fmt.Errorf("consumer: collection %q is not one webhooks subscribe to", cfg.Collection)
	}
	if cfg.Apply == nil {
		return nil, errors.New("consumer: Config.Apply is required")
	}
	h := &Handler{collection: t, apply: cfg.Apply, notice: cfg.Notice, versions: cfg.Versions, log: cfg.Logger, maxBody: cfg.MaxBodyBytes, seed: maphash.MakeSeed()}
	if h.versions == nil {
		h.versions = NewMemoryVersions()
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	if err := h.SetKeys(cfg.Keys...); err != nil {
		return nil, err
	}
	return h, nil
}

// SetKeys replaces the keys requests are verified with, while the handler serves: add the
// new key after POST /webhooks/{id}/rotate-key, and drop the old one once the overlap ended.
// On an error the keys stay as they were.
func (h *Handler) SetKeys(keys ...string) error {
	v, err := newVerifier(keys)
	if err != nil {
		return err // says which key and what is wrong with it
	}
	h.verifier.Store(v)
	return nil
}

// ServeHTTP receives one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reject(w, r, http.StatusMethodNotAllowed, fmt.Errorf("method %s, want POST", r.Method))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.reject(w, r, http.StatusRequestEntityTooLarge, fmt.Errorf("body: more than %d bytes", h.maxBody))
			return
		}
		h.reject(w, r, http.StatusBadRequest, fmt.Errorf("body: %w", err))
		return
	}
	// Nothing in the body is trusted, not even parsed, before its signature is.
	if err := h.verifier.Load().verify(body, r.Header); err != nil {
		h.reject(w, r, http.StatusUnauthorized, err)
		return
	}
	msgID := r.Header.Get("webhook-id")
	events, err := decodeBody(h.collection, body)
	if errors.Is(err, errNotice) && h.notice != nil {
		h.receiveNotice(w, r, msgID, body)
		return
	}
	if err != nil {
		h.reject(w, r, http.StatusBadRequest, err)
		return
	}
	for i := range events {
		ev := &events[i]
		ev.MessageID = msgID
		if ev.ChangeType == Ping {
			h.log.Debug("webhook ping", "webhookId", msgID)
			continue
		}
		if err := h.applyOne(r.Context(), ev); err != nil {
			status := statusOf(err)
			h.log.Error("webhook change not applied", "status", status, "webhookId", msgID, "collection", ev.Collection,
				"id", ev.ID, "changeVersion", ev.ChangeVersion.String(), "err", err)
			// The consumer's error stays in its log: the answer is recorded by the server,
			// where the webhook's other readers see it.
			http.Error(w, fmt.Sprintf("%s %d at %s not applied", ev.Collection, ev.ID, ev.ChangeVersion), status)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// applyOne applies ev unless a change as new or newer of its object was applied already.
func (h *Handler) applyOne(ctx context.Context, ev *Event) error {
	mu := &h.locks[maphash.Comparable(h.seed, objectKey{ev.Collection, ev.ID})%uint64(len(h.locks))]
	mu.Lock()
	defer mu.Unlock()
	applied, ok, err := h.versions.Applied(ctx, ev.Collection, ev.ID)
	if err != nil {
		return fmt.Errorf("reading the applied version: %w", err)
	}
	if ok && ev.ChangeVersion <= applied {
		h.log.Debug("webhook change skipped: not newer than the one applied", "webhookId", ev.MessageID, "collection", ev.Collection,
			"id", ev.ID, "changeVersion", ev.ChangeVersion.String(), "applied", applied.String())
		return nil
	}
	if err := h.apply(ctx, *ev); err != nil {
		return err
	}
	if err := h.versions.SetApplied(ctx, ev.Collection, ev.ID, ev.ChangeVersion); err != nil {
		return fmt.Errorf("recording the applied version: %w", err)
	}
	return nil
}

// receiveNotice passes a verified lifecycle notification to Config.Notice.
func (h *Handler) receiveNotice(w http.ResponseWriter, r *http.Request, msgID string, body []byte) {
	n, err := DecodeNotice(body)
	if err != nil {
		h.reject(w, r, http.StatusBadRequest, err)
		return
	}
	n.MessageID = msgID
	if err := h.notice(r.Context(), n); err != nil {
		status := statusOf(err)
		h.log.Error("lifecycle notification not handled", "status", status, "webhookId", msgID,
			"lifecycleEvent", n.LifecycleEvent, "webhook", n.Webhook.ID, "err", err)
		http.Error(w, string(n.LifecycleEvent)+" notification not handled", status)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// reject answers a request that is not taken, with the reason, and logs it.
func (h *Handler) reject(w http.ResponseWriter, r *http.Request, status int, reason error) {
	h.log.Warn("webhook request rejected", "status", status, "reason", reason.Error(),
		"webhookId", r.Header.Get("webhook-id"), "remote", r.RemoteAddr)
	http.Error(w, reason.Error(), status)
}

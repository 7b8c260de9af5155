package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// secretCost is the bcrypt cost of client secret hashes: about 50 ms on current hardware,
// slow enough to make a stolen hash expensive to attack, fast enough for a token endpoint
// that clients call once every 30 minutes.
const secretCost = 10

// maxSecretLength is bcrypt's input limit. Longer secrets are refused rather than silently
// truncated, which would make every secret with the same first 72 bytes valid.
const maxSecretLength = 72

// NewClientSecret returns a new client secret: 32 random bytes, base64url without padding,
// so it can be pasted into a form body or a shell without quoting.
func NewClientSecret() (string, error) {
	return randomString(32)
}

// NewClientID returns a new client id: 16 random bytes in hex, for clients created without
// a chosen id.
func NewClientID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: reading random bytes: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// HashSecret returns the bcrypt hash of a client secret, the only form in which a secret is
// stored.
func HashSecret(secret string) ([]byte, error) {
	if secret == "" {
		return nil, errors.New("auth: the client secret is empty")
	}
	if len(secret) > maxSecretLength {
		return nil, fmt.Errorf("auth: the client secret is longer than %d bytes", maxSecretLength)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(secret), secretCost)
	if err != nil {
		// bcrypt's errors do not contain the password, but say only what failed.
		return nil, errors.New("auth: hashing the client secret failed")
	}
	return hash, nil
}

// dummyHash is compared against when there is no client to check, so that an unknown
// client id costs the same time as a wrong secret and client ids cannot be discovered by
// timing the token endpoint.
var dummyHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte("shiftwire: no such client"), secretCost)
	if err != nil {
		panic("auth: cannot compute the dummy secret hash")
	}
	return h
})

// CheckSecret reports whether secret matches hash. The comparison is bcrypt's, which takes
// the same time whatever the secret. Pass a nil hash for a client that does not exist: the
// answer is false, after the same work as for a real client.
func CheckSecret(hash []byte, secret string) bool {
	if len(hash) == 0 {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(secret))
		return false
	}
	if secret == "" || len(secret) > maxSecretLength {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte("x"))
		return false
	}
	return bcrypt.CompareHashAndPassword(hash, []byte(secret)) == nil
}

// DefaultHashCheckWait is how long a token request waits for a free hash-check slot before
// it is answered 429: long enough to absorb clients that all start at once, short enough
// that a flood is refused rather than queued.
const DefaultHashCheckWait = 2 * time.Second

// DefaultMaxHashChecks returns the default bound on hash checks running at once: half the
// CPUs Go may use, at least one, so that password hashing never takes every core from the
// API and the health checks.
func DefaultMaxHashChecks() int {
	return max(1, runtime.GOMAXPROCS(0)/2)
}

// HashChecks bounds the client secret checks (CheckSecret) running at once. Each costs tens
// of milliseconds of CPU, which an anonymous caller can ask for: the failure limits bound
// what one source address gets, HashChecks bounds what many addresses together get. It is
// safe for concurrent use.
type HashChecks struct {
	slots chan struct{}
	wait  time.Duration
}

// NewHashChecks returns a HashChecks allowing n checks at once (at least one), where a
// caller waits at most wait for a free slot.
func NewHashChecks(n int, wait time.Duration) *HashChecks {
	return &HashChecks{slots: make(chan struct{}, max(n, 1)), wait: wait}
}

// Acquire takes a slot, waiting at most the HashChecks' wait and never after ctx ends, and
// returns the function that gives the slot back. ok is false when no slot came free; the
// caller should then answer 429 rather than check the secret anyway.
func (h *HashChecks) Acquire(ctx context.Context) (release func(), ok bool) {
	select {
	case h.slots <- struct{}{}:
		return sync.OnceFunc(h.release), true
	default:
	}
	if h.wait <= 0 {
		return nil, false
	}
	timer := time.NewTimer(h.wait)
	defer timer.Stop()
	select {
	case h.slots <- struct{}{}:
		return sync.OnceFunc(h.release), true
	case <-timer.C:
	case <-ctx.Done():
	}
	return nil, false
}

func (h *HashChecks) release() { <-h.slots }

// MaxClientIDLength is the longest client_id the token endpoint looks up. It is above the
// 200 bytes shiftwire.Client.Validate allows, so no real client is ever refused by it.
const MaxClientIDLength = 256

// PlausibleClientID reports whether id could name a client: at most MaxClientIDLength bytes
// of valid UTF-8 without control characters. The token endpoint answers any other id
// invalid_client at once, without the password-hash work or a database read.
func PlausibleClientID(id string) bool {
	if id == "" || len(id) > MaxClientIDLength || !utf8.ValidString(id) {
		return false
	}
	return !strings.ContainsFunc(id, unicode.IsControl)
}

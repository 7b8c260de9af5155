package signing

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shiftwire/shiftwire"
)

// The Standard Webhooks request headers, in the lower case the specification writes them.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// KeyPrefix starts every encoded key, as Standard Webhooks recommends, so that a key pasted
// into the wrong place is recognisable.
const KeyPrefix = "whsec_"

// KeySize is the length of the keys NewKey makes.
const KeySize = 32

// DefaultTolerance is how far a timestamp may be from the verifier's clock, the value the
// Standard Webhooks libraries use: it bounds how long a captured request can be replayed.
const DefaultTolerance = 5 * time.Minute

// signatureVersion prefixes each signature; "v1" is HMAC-SHA256.
const signatureVersion = "v1,"

// The errors Verify returns. None of them carries the key or a signature.
var (
	ErrMissingHeaders      = errors.New("signing: missing webhook-id, webhook-timestamp or webhook-signature")
	ErrInvalidTimestamp    = errors.New("signing: webhook-timestamp is not a Unix time in seconds")
	ErrTimestampTooOld     = errors.New("signing: webhook-timestamp is too old")
	ErrTimestampTooNew     = errors.New("signing: webhook-timestamp is too far in the future")
	ErrNoMatchingSignature = errors.New("signing: no matching signature")
	ErrInvalidKey          = errors.New("signing: invalid key")
)

// NewKey returns a new random signing key of KeySize bytes.
func NewKey() (shiftwire.Secret, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return key, nil
}

// EncodeKey returns key in the form clients receive it: KeyPrefix followed by the standard
// base64 encoding of its bytes.
func EncodeKey(key []byte) string {
	buf := make([]byte, 0, len(KeyPrefix)+base64.StdEncoding.EncodedLen(len(key)))
	buf = append(buf, KeyPrefix...)
	buf = base64.StdEncoding.AppendEncode(buf, key)
	return string(buf)
}

// DecodeKey reverses EncodeKey. Like the Standard Webhooks libraries it also accepts the
// base64 without KeyPrefix. The error never repeats the input, since it is a secret.
func DecodeKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, KeyPrefix))
	if err != nil || len(key) == 0 {
		return nil, ErrInvalidKey
	}
	return key, nil
}

// Signer signs requests with one key. It is safe for concurrent use: each call borrows an
// HMAC state from a pool, so signing neither rebuilds the keyed state nor allocates.
type Signer struct {
	pool sync.Pool // of *signState
}

// signState is what one Sign call needs besides the caller's buffer.
type signState struct {
	mac    hash.Hash
	prefix []byte // "{msgID}.{timestamp}." before the body
	sum    [sha256.Size]byte
}

// NewSigner returns a Signer for key. The key is copied, so the caller may reuse its slice.
func NewSigner(key []byte) *Signer {
	key = append([]byte(nil), key...)
	s := &Signer{}
	s.pool.New = func() any {
		return &signState{mac: hmac.New(sha256.New, key), prefix: make([]byte, 0, 64)}
	}
	return s
}

// Sign appends the webhook-signature value for one request to dst and returns the extended
// slice: "v1," and the base64 HMAC-SHA256 of "{msgID}.{timestamp}.{body}". timestamp is the
// Unix time in seconds sent in webhook-timestamp.
func (s *Signer) Sign(dst []byte, msgID string, timestamp int64, body []byte) []byte {
	st := s.pool.Get().(*signState)
	sum := st.compute(msgID, timestamp, body)
	dst = append(dst, signatureVersion...)
	dst = base64.StdEncoding.AppendEncode(dst, sum)
	s.pool.Put(st)
	return dst
}

// SignWith appends the webhook-signature value of every signer, space-separated, in order.
// During a key rotation two keys sign, the new key's first: a Standard Webhooks receiver
// accepts the request when any one of the signatures matches a key it knows.
func SignWith(dst []byte, signers []*Signer, msgID string, timestamp int64, body []byte) []byte {
	for i, s := range signers {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = s.Sign(dst, msgID, timestamp, body)
	}
	return dst
}

// compute returns the raw HMAC in st.sum; the result is valid until st is reused.
func (st *signState) compute(msgID string, timestamp int64, body []byte) []byte {
	p := append(st.prefix[:0], msgID...)
	p = append(p, '.')
	p = strconv.AppendInt(p, timestamp, 10)
	p = append(p, '.')
	st.prefix = p
	st.mac.Reset()
	st.mac.Write(p)
	st.mac.Write(body)
	return st.mac.Sum(st.sum[:0])
}

// Verify checks a request as a Standard Webhooks receiver does: the timestamp must be within
// tolerance of now (DefaultTolerance when tolerance is zero or less), and at least one "v1"
// entry of the space-separated signatureHeader must match. Entries of other versions are
// skipped so that keys can be rotated and schemes added. The comparison is constant-time.
func Verify(key []byte, msgID, timestampHeader, signatureHeader string, body []byte, now time.Time, tolerance time.Duration) error {
	if msgID == "" || timestampHeader == "" || signatureHeader == "" {
		return ErrMissingHeaders
	}
	ts, err := strconv.ParseInt(timestampHeader, 10, 64)
	if err != nil {
		return ErrInvalidTimestamp
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	// Compare in seconds, which cannot overflow the way a time.Duration would for a
	// timestamp centuries away.
	tol := int64(tolerance / time.Second)
	switch nowSec := now.Unix(); {
	case ts < nowSec-tol:
		return ErrTimestampTooOld
	case ts > nowSec+tol:
		return ErrTimestampTooNew
	}

	st := signState{mac: hmac.New(sha256.New, key)}
	var want [44]byte // base64 of a SHA-256 sum
	base64.StdEncoding.Encode(want[:], st.compute(msgID, ts, body))

	for sig := range strings.FieldsSeq(signatureHeader) {
		v, ok := strings.CutPrefix(sig, signatureVersion)
		if !ok {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(v), want[:]) == 1 {
			return nil
		}
	}
	return ErrNoMatchingSignature
}

package consumer

import (
	"errors"
	"fmt"
	"net/http"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// verifier checks requests against every key a handler holds, with the Standard Webhooks
// library: a request passes when any one of its signatures matches any one key. During a key
// rotation Shiftwire signs with both the new and the old key, so a receiver that knows either
// accepts the request, and one that knows both keeps working whichever it learns first.
type verifier struct {
	hooks []*standardwebhooks.Webhook
}

// newVerifier returns a verifier for keys, each as POST /webhooks prints it.
func newVerifier(keys []string) (*verifier, error) {
	if len(keys) == 0 {
		return nil, ErrNoKey
	}
	v := &verifier{hooks: make([]*standardwebhooks.Webhook, len(keys))}
	for i, s := range keys {
		k, err := ParseKey(s)
		if err != nil {
			if len(keys) > 1 {
				err = fmt.Errorf("key %d of %d: %w", i+1, len(keys), err)
			}
			return nil, err
		}
		if v.hooks[i], err = standardwebhooks.NewWebhookRaw(k); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// verify returns nil when body and header carry a valid signature of one of the keys with a
// timestamp within the library's tolerance (5 minutes) of the clock, and otherwise the
// reason, which names no key and no signature.
func (v *verifier) verify(body []byte, header http.Header) error {
	for _, h := range v.hooks {
		err := h.Verify(body, header)
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, standardwebhooks.ErrNoMatchingSignature):
			// The headers are missing or the timestamp is wrong: the same for every key.
			return reason(err)
		}
	}
	return errNoMatch
}

var (
	errMissingHeaders = errors.New("signature: missing webhook-id, webhook-timestamp or webhook-signature header")
	errBadTimestamp   = errors.New("signature: webhook-timestamp is not Unix seconds")
	errTooOld         = errors.New("signature: webhook-timestamp is more than 5 minutes old (replayed, or this clock is wrong)")
	errTooNew         = errors.New("signature: webhook-timestamp is more than 5 minutes ahead (this clock is wrong)")
	errNoMatch        = errors.New("signature: no signature matches a configured key (a wrong key, or a changed body)")
)

// reason turns the library's errors, which mention "unable to verify payload", into the
// short answers the handler gives.
func reason(err error) error {
	switch {
	case errors.Is(err, standardwebhooks.ErrRequiredHeaders):
		return errMissingHeaders
	case errors.Is(err, standardwebhooks.ErrInvalidHeaders):
		return errBadTimestamp
	case errors.Is(err, standardwebhooks.ErrMessageTooOld):
		return errTooOld
	case errors.Is(err, standardwebhooks.ErrMessageTooNew):
		return errTooNew
	}
	return errNoMatch
}

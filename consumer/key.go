package consumer

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// KeyPrefix starts every key Shiftwire prints, as Standard Webhooks recommends.
const KeyPrefix = "whsec_"

// The sizes of key the handler accepts, in bytes: Shiftwire's keys are 32 bytes, and
// Standard Webhooks asks for 24 to 64.
const (
	minKeySize = 24
	maxKeySize = 64
)

// ErrNoKey is ParseKey's answer to an empty key.
var ErrNoKey = errors.New("no key: use the key POST /webhooks answered, \"key\":\"whsec_...\"")

// ErrInvalidKey is wrapped by ParseKey's other errors, which add what is wrong.
var ErrInvalidKey = errors.New("the key is not a whsec_ key as printed by webhook creation")

// ParseKey decodes a webhook key as POST /webhooks and POST /webhooks/{id}/rotate-key print
// it: "whsec_" and the standard base64 of the key's bytes. Spaces around it are ignored.
//
// Its errors say what is wrong without repeating the key, which is a secret: a placeholder
// copied from documentation, quotes copied from a JSON body, a missing prefix, a value that
// is not base64 or a key of the wrong size.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, ErrNoKey
	}
	if strings.ContainsAny(s, `"'`) {
		return nil, fmt.Errorf("%w: remove the quotes around it", ErrInvalidKey)
	}
	b64, ok := strings.CutPrefix(s, KeyPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: it must start with %s", ErrInvalidKey, KeyPrefix)
	}
	if strings.Contains(b64, "...") || strings.Contains(b64, "…") {
		return nil, fmt.Errorf("%w: whsec_... is a placeholder; use the key POST /webhooks answered", ErrInvalidKey)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("%w: what follows whsec_ is not standard base64", ErrInvalidKey)
	}
	if len(key) < minKeySize || len(key) > maxKeySize {
		return nil, fmt.Errorf("%w: it holds %d bytes, not 24 to 64", ErrInvalidKey, len(key))
	}
	return key, nil
}

// SplitKeys splits the several keys of a key rotation, separated by spaces or commas, as
// an environment variable holds them.
func SplitKeys(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

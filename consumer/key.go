package consumer

import (
	"encoding/base64"
	"errors"
	"strconv"
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
	const notAKey = "not a whsec_ key as printed by webhook creation"
	if strings.ContainsAny(s, `"'`) {
		return nil, errors.New("the key is " + notAKey + ": remove the quotes around it")
	}
	b64, ok := strings.CutPrefix(s, KeyPrefix)
	if !ok {
		return nil, errors.New("the key is " + notAKey + ": it must start with " + KeyPrefix)
	}
	if strings.Contains(b64, "...") || strings.Contains(b64, "…") {
		return nil, errors.New("the key is " + notAKey + ": whsec_... is a placeholder; use the key POST /webhooks answered")
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.New("the key is " + notAKey + ": what follows whsec_ is not standard base64")
	}
	if len(key) < minKeySize || len(key) > maxKeySize {
		return nil, errors.New("the key is " + notAKey + ": it holds " + strconv.Itoa(len(key)) + " bytes, not 24 to 64")
	}
	return key, nil
}

// SplitKeys splits the several keys of a key rotation, separated by spaces or commas, as
// an environment variable holds them.
func SplitKeys(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

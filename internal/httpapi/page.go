package httpapi

import (
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/shiftwire/shiftwire"
)

// pageSize is how many items a list answers at most, as in Protime.
const pageSize = 100

// continuationPrefix versions continuation tokens so their content can change later.
const continuationPrefix = "c1:"

// encodeContinuation wraps a list cursor in an opaque token.
func encodeContinuation(cursor string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(continuationPrefix + cursor))
}

// continuation returns the cursor of the request's continuationToken, "" when there is none;
// an invalid token is 409, as Protime documents.
func continuation(q url.Values) (string, error) {
	tok := q.Get("continuationToken")
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), continuationPrefix) {
		return "", shiftwire.Errorf(shiftwire.EConflict, "the continuation token is invalid")
	}
	return strings.TrimPrefix(string(b), continuationPrefix), nil
}

// nextLink is the host-relative link to the page after cursor: the request's own path and
// query with the continuation token replaced.
func nextLink(u *url.URL, cursor string) string {
	q := u.Query()
	q.Set("continuationToken", encodeContinuation(cursor))
	return u.Path + "?" + q.Encode()
}

// list is the body of every list response.
type list[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"nextLink,omitempty"`
}

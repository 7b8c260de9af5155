package shiftwire

import (
	"time"
)

// Client is an OAuth2 client of one tenant, allowed to request tokens with some of its scopes
// through the client credentials grant. Only a slow hash of its secret is kept.
type Client struct {
	ID         string // the public client_id
	TenantID   int64
	SecretHash []byte
	Scopes     []string
	CreatedAt  time.Time
}

// Validate checks the client's id and scopes.
func (c *Client) Validate() error {
	var reasons []string
	if c.ID == "" || len(c.ID) > 200 {
		reasons = append(reasons, "the client id must have 1 to 200 characters")
	}
	if len(c.Scopes) == 0 {
		reasons = append(reasons, "a client needs at least one scope")
	}
	for _, s := range c.Scopes {
		if !IsKnownScope(s) {
			reasons = append(reasons, "unknown scope "+quote(s))
		}
	}
	if len(reasons) > 0 {
		return Invalid("invalid client", reasons...)
	}
	return nil
}

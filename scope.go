package shiftwire

import (
	"slices"
	"strings"
)

// scopePrefix starts every scope: connector-protimeapi-<collection>.<read|write>.
const scopePrefix = "connector-protimeapi-"

// The scopes that do not belong to a data collection.
const (
	ScopeWebhooksRead            = scopePrefix + "webhooks.read"
	ScopeWebhooksWrite           = scopePrefix + "webhooks.write"
	ScopeExternalReferencesWrite = scopePrefix + "external-references.write"
)

// ReadScope returns the scope that allows reading collection.
func ReadScope(collection string) string { return scopePrefix + collection + ".read" }

// WriteScope returns the scope that allows writing collection.
func WriteScope(collection string) string { return scopePrefix + collection + ".write" }

// AllScopes lists every scope Shiftwire knows, sorted: the webhook and external-reference
// scopes and a read and a write scope per collection.
func AllScopes() []string {
	scopes := []string{ScopeWebhooksRead, ScopeWebhooksWrite, ScopeExternalReferencesWrite}
	for _, c := range Collections() {
		scopes = append(scopes, ReadScope(c.Name), WriteScope(c.Name))
	}
	slices.Sort(scopes)
	return scopes
}

// IsKnownScope reports whether s is one of AllScopes.
func IsKnownScope(s string) bool {
	if !strings.HasPrefix(s, scopePrefix) {
		return false
	}
	switch s {
	case ScopeWebhooksRead, ScopeWebhooksWrite, ScopeExternalReferencesWrite:
		return true
	}
	rest := strings.TrimPrefix(s, scopePrefix)
	name, perm, ok := strings.Cut(rest, ".")
	if !ok || (perm != "read" && perm != "write") {
		return false
	}
	_, known := CollectionByName(name)
	return known
}

// Principal is the authenticated caller of a request: a client of one tenant and the scopes
// its token grants.
type Principal struct {
	TenantID int64
	ClientID string
	Scopes   []string
}

// HasScope reports whether the principal was granted scope.
func (p *Principal) HasScope(scope string) bool {
	return p != nil && slices.Contains(p.Scopes, scope)
}

// RequireScope returns an insufficient_scope AuthError unless the principal holds scope.
func (p *Principal) RequireScope(scope string) error {
	if p.HasScope(scope) {
		return nil
	}
	return &AuthError{Reason: AuthInsufficientScope, Scope: scope}
}

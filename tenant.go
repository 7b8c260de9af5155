package shiftwire

import (
	"regexp"
	"time"
)

// DefaultTimeZone is the time zone of a tenant created without one.
const DefaultTimeZone = "Europe/Brussels"

// Tenant is one customer: every request, token, webhook, delivery and change belongs to
// exactly one tenant and is invisible to the others.
type Tenant struct {
	ID        int64
	Name      string // the first label of the Host header, e.g. "acme"
	TimeZone  string // IANA name, used to render validUntil with the tenant's offset
	CreatedAt time.Time
}

var tenantName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// ValidTenantName reports whether name can be a tenant's: a DNS label, as the first label
// of the Host header names the tenant.
func ValidTenantName(name string) bool { return tenantName.MatchString(name) }

// Validate checks that the name can be a DNS label and the time zone is known.
func (t *Tenant) Validate() error {
	if !ValidTenantName(t.Name) {
		return Invalid("invalid tenant", "the tenant name must be a DNS label: lower-case letters, digits and inner hyphens, at most 63 characters")
	}
	if _, err := time.LoadLocation(t.TimeZone); err != nil || t.TimeZone == "" {
		return Invalid("invalid tenant", "unknown time zone "+quote(t.TimeZone))
	}
	return nil
}

// Location returns the tenant's time zone, falling back to DefaultTimeZone.
func (t *Tenant) Location() *time.Location {
	if loc, err := time.LoadLocation(t.TimeZone); err == nil && t.TimeZone != "" {
		return loc
	}
	loc, err := time.LoadLocation(DefaultTimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

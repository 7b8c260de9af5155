package shiftwire

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDestinationURLLength is the longest destinationUrl a webhook may have, in characters.
const MaxDestinationURLLength = 2048

// DestinationPolicy relaxes the destination rules for development and private networks.
// The zero value is the production policy: https only, public addresses only.
type DestinationPolicy struct {
	// AllowInsecure permits http:// destinations (--allow-insecure-destinations).
	AllowInsecure bool
	// AllowPrivate permits loopback, private, link-local and other non-public destinations
	// (--allow-private-destinations).
	AllowPrivate bool
}

// ValidateDestination checks a destinationUrl when a webhook is created, so that a client
// learns at once that Shiftwire will never deliver to it. It sees only the URL: a host name
// that resolves to a forbidden address is caught again when the connection is made, after
// DNS resolution. The error is an EInvalid Error whose reason names the rule broken; it never
// repeats the URL, which may carry a token in its query.
func ValidateDestination(raw string, p DestinationPolicy) error {
	if reason := destinationProblem(raw, p); reason != "" {
		return Invalid("invalid destination URL", reason)
	}
	return nil
}

// ValidateLifecycleURL checks a lifecycleNotificationUrl: the same rules as a destination.
func ValidateLifecycleURL(raw string, p DestinationPolicy) error {
	if reason := destinationProblem(raw, p); reason != "" {
		return Invalid("invalid lifecycle notification URL", reason)
	}
	return nil
}

func destinationProblem(raw string, p DestinationPolicy) string {
	if raw == "" {
		return "the URL is empty"
	}
	if !utf8.ValidString(raw) {
		return "the URL is not valid UTF-8"
	}
	if utf8.RuneCountInString(raw) > MaxDestinationURLLength {
		return "the URL is longer than 2048 characters"
	}
	for i := 0; i < len(raw); i++ {
		// url.Parse lets spaces through in paths; a client would not send them on purpose.
		if c := raw[i]; c <= ' ' || c == 0x7f {
			return "the URL contains whitespace or control characters"
		}
	}
	if strings.IndexByte(raw, '#') >= 0 {
		return "the URL must not contain a fragment"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "the URL cannot be parsed"
	}
	if !u.IsAbs() || u.Opaque != "" {
		return "the URL must be absolute, like https://example.com/hook"
	}
	switch u.Scheme { // url.Parse has lower-cased it
	case "https":
	case "http":
		if !p.AllowInsecure {
			return "the scheme must be https"
		}
	default:
		return "the scheme must be https"
	}
	if u.User != nil {
		return "the URL must not contain user information"
	}
	if u.Host == "" || u.Hostname() == "" {
		return "the URL must have a host"
	}
	if !validPort(u) {
		return "the port is invalid"
	}
	host := u.Hostname()
	if strings.HasPrefix(u.Host, "[") {
		addr, err := netip.ParseAddr(host)
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return "the IPv6 address is invalid"
		}
		if !p.AllowPrivate && !IsPublicAddr(addr) {
			return "the address is not a public address"
		}
		return ""
	}
	name := strings.TrimSuffix(host, ".")
	if looksNumeric(name) {
		// A last label of digits makes resolvers read the whole name as an IPv4 address,
		// including forms like 127.1 or 2130706433 that hide a private address.
		addr, err := netip.ParseAddr(name)
		if err != nil || !addr.Is4() {
			return "the IPv4 address is invalid"
		}
		if !p.AllowPrivate && !IsPublicAddr(addr) {
			return "the address is not a public address"
		}
		return ""
	}
	if reason := hostNameProblem(name); reason != "" {
		return reason
	}
	if !p.AllowPrivate {
		lower := strings.ToLower(name)
		if lower == "localhost" || strings.HasSuffix(lower, ".localhost") {
			return "the host is a loopback name"
		}
	}
	return ""
}

// validPort accepts no port or a decimal number in 1..65535; url.Parse has already checked
// that a port is all digits but not its range, and lets "host:" through.
func validPort(u *url.URL) bool {
	if strings.HasSuffix(u.Host, ":") {
		return false
	}
	port := u.Port()
	if port == "" {
		return true
	}
	n, err := strconv.ParseUint(port, 10, 16)
	return err == nil && n > 0
}

// looksNumeric reports whether the last label of name is all digits or a 0x hex number,
// which is how URL parsers and resolvers decide that a host is an IPv4 address.
func looksNumeric(name string) bool {
	last := name[strings.LastIndexByte(name, '.')+1:]
	if last == "" {
		return false
	}
	if len(last) >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X') {
		last = last[2:]
		if last == "" {
			return true
		}
		for i := 0; i < len(last); i++ {
			if !isHex(last[i]) {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(last); i++ {
		if last[i] < '0' || last[i] > '9' {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// hostNameProblem checks DNS name syntax. Names must be ASCII: the HTTP client maps Unicode
// names through IDNA, under which look-alikes such as fullwidth letters become other names,
// so a client must send the xn-- form it means.
func hostNameProblem(name string) string {
	if len(name) > 253 {
		return "the host name is too long"
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 {
			return "the host name is invalid"
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			switch {
			case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
			case c >= utf8.RuneSelf:
				return "the host name must be ASCII; use its xn-- form"
			default:
				return "the host name is invalid"
			}
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "the host name is invalid"
		}
	}
	return ""
}

// nonPublic4 lists the IPv4 ranges that are not reachable destinations on the internet, from
// the IANA special-purpose address registry, plus cloud metadata services.
var nonPublic4 = mustPrefixes(
	"0.0.0.0/8",        // this network; 0.0.0.0 reaches the local host
	"10.0.0.0/8",       // private
	"100.64.0.0/10",    // carrier-grade NAT; holds Alibaba Cloud metadata 100.100.100.200
	"127.0.0.0/8",      // loopback
	"169.254.0.0/16",   // link-local; holds the AWS, GCP and Azure metadata 169.254.169.254
	"172.16.0.0/12",    // private
	"192.0.0.0/24",     // IETF protocol assignments
	"192.0.2.0/24",     // documentation
	"192.88.99.0/24",   // deprecated 6to4 relay anycast
	"192.168.0.0/16",   // private
	"198.18.0.0/15",    // benchmarking
	"198.51.100.0/24",  // documentation
	"203.0.113.0/24",   // documentation
	"224.0.0.0/4",      // multicast
	"240.0.0.0/4",      // reserved, and 255.255.255.255 broadcast
	"168.63.129.16/32", // Azure platform endpoint: a public address that reaches the host
)

// nonPublic6 lists the IPv6 ranges inside global unicast 2000::/3 that are still not
// reachable destinations. Everything outside 2000::/3 is refused before this list is read:
// loopback, unspecified, unique local fc00::/7 (with AWS metadata fd00:ec2::254),
// link-local, multicast, local-use NAT64 and the unassigned rest.
var nonPublic6 = mustPrefixes(
	"2001::/23",     // IETF protocol assignments, including Teredo 2001::/32
	"2001:db8::/32", // documentation
	"3fff::/20",     // documentation (RFC 9637)
)

var (
	prefix6to4  = netip.MustParsePrefix("2002::/16")
	prefixNAT64 = netip.MustParsePrefix("64:ff9b::/96")
	global6     = netip.MustParsePrefix("2000::/3")
)

func mustPrefixes(ss ...string) []netip.Prefix {
	ps := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		ps[i] = netip.MustParsePrefix(s)
	}
	return ps
}

// IsPublicAddr reports whether a is an address Shiftwire may deliver to without
// --allow-private-destinations: a globally reachable unicast address that is not a cloud
// metadata service. IPv6 forms that embed an IPv4 address (IPv4-mapped, NAT64, 6to4) are
// judged by that IPv4 address, so that ::ffff:127.0.0.1 is not a way around the rule.
func IsPublicAddr(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		for _, p := range nonPublic4 {
			if p.Contains(a) {
				return false
			}
		}
		return true
	}
	b := a.As16()
	switch {
	case prefixNAT64.Contains(a):
		return IsPublicAddr(netip.AddrFrom4([4]byte(b[12:16])))
	case prefix6to4.Contains(a):
		return IsPublicAddr(netip.AddrFrom4([4]byte(b[2:6])))
	case !global6.Contains(a):
		return false
	}
	for _, p := range nonPublic6 {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

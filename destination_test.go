package shiftwire_test

import (
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/shiftwire/shiftwire"
)

func TestIsPublicAddr(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want bool
	}{
		// Public.
		{"1.1.1.1", true},
		{"8.8.8.8", true},
		{"93.184.215.14", true},
		{"100.63.255.255", true}, // just below CGNAT
		{"100.128.0.0", true},    // just above CGNAT
		{"172.15.255.255", true},
		{"172.32.0.0", true},
		{"192.0.1.1", true},
		{"223.255.255.255", true},
		{"2606:4700:4700::1111", true},
		{"2a00:1450:4001:82b::200e", true},
		{"::ffff:8.8.8.8", true},
		{"64:ff9b::808:808", true},     // NAT64 of 8.8.8.8
		{"2002:808:808::1", true},      // 6to4 of 8.8.8.8
		{"2001:4860:4860::8888", true}, // 2001:4860 is outside 2001::/23
		{"fe80::1%eth0", false},        // zone does not make it public

		// Loopback.
		{"127.0.0.1", false},
		{"127.255.255.254", false},
		{"::1", false},
		{"::ffff:127.0.0.1", false},
		{"64:ff9b::7f00:1", false}, // NAT64 of 127.0.0.1
		{"2002:7f00:1::", false},   // 6to4 of 127.0.0.1

		// Private.
		{"10.0.0.1", false},
		{"10.255.255.255", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.1.1", false},
		{"fc00::1", false},
		{"fd12:3456:789a::1", false},
		{"::ffff:10.1.2.3", false},
		{"::ffff:192.168.0.1", false},
		{"64:ff9b::c0a8:1", false},  // NAT64 of 192.168.0.1
		{"2002:c0a8:101::1", false}, // 6to4 of 192.168.1.1
		{"64:ff9b:1::a00:1", false}, // local-use NAT64

		// Link-local.
		{"169.254.1.1", false},
		{"fe80::1", false},
		{"febf::1", false},
		{"fec0::1", false}, // deprecated site-local

		// Multicast and broadcast.
		{"224.0.0.1", false},
		{"239.255.255.250", false},
		{"255.255.255.255", false},
		{"ff02::1", false},
		{"ff0e::1", false},

		// Unspecified and "this network".
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"::", false},
		{"::ffff:0.0.0.0", false},

		// Carrier-grade NAT.
		{"100.64.0.1", false},
		{"100.127.255.255", false},

		// Documentation, benchmarking, reserved, protocol assignments.
		{"192.0.2.1", false},
		{"198.51.100.7", false},
		{"203.0.113.9", false},
		{"198.18.0.1", false},
		{"198.19.255.255", false},
		{"240.0.0.1", false},
		{"192.0.0.8", false},
		{"192.88.99.1", false},
		{"2001:db8::1", false},
		{"3fff::1", false},
		{"2001::1", false},          // Teredo
		{"2001:1ff::1", false},      // IETF protocol assignments
		{"100::1", false},           // discard-only
		{"::1.2.3.4", false},        // deprecated IPv4-compatible
		{"::ffff:0:808:808", false}, // SIIT form, outside global unicast
		{"5f00::1", false},          // SRv6 SIDs

		// Cloud metadata.
		{"169.254.169.254", false},
		{"::ffff:169.254.169.254", false},
		{"64:ff9b::a9fe:a9fe", false},
		{"fd00:ec2::254", false},
		{"100.100.100.200", false},
		{"168.63.129.16", false},
	} {
		a := netip.MustParseAddr(tc.addr)
		if got := shiftwire.IsPublicAddr(a); got != tc.want {
			t.Errorf("IsPublicAddr(%s) = %v, want %v", tc.addr, got, tc.want)
		}
	}
	if shiftwire.IsPublicAddr(netip.Addr{}) {
		t.Error("IsPublicAddr(zero Addr) = true")
	}
}

func TestValidateDestination(t *testing.T) {
	var (
		strict  = shiftwire.DestinationPolicy{}
		dev     = shiftwire.DestinationPolicy{AllowInsecure: true, AllowPrivate: true}
		insec   = shiftwire.DestinationPolicy{AllowInsecure: true}
		private = shiftwire.DestinationPolicy{AllowPrivate: true}
	)
	long := "https://example.com/" + strings.Repeat("a", shiftwire.MaxDestinationURLLength-len("https://example.com/"))
	for _, tc := range []struct {
		raw    string
		policy shiftwire.DestinationPolicy
		reason string // "" when valid; otherwise a word the reason must contain
	}{
		// Valid.
		{"https://example.com", strict, ""},
		{"https://example.com/", strict, ""},
		{"https://example.com/hooks/protime?token=abc&x=1", strict, ""},
		{"https://EXAMPLE.com:8443/a/b", strict, ""},
		{"HTTPS://example.com/", strict, ""},
		{"https://example.com./", strict, ""},
		{"https://my_host.example.com/", strict, ""},
		{"https://xn--bcher-kva.example/", strict, ""},
		{"https://8.8.8.8/hook", strict, ""},
		{"https://[2606:4700:4700::1111]:443/hook", strict, ""},
		{"https://example.com:65535/", strict, ""},
		{long, strict, ""},
		{"https://localhost.example.com/", strict, ""},
		{"https://mylocalhost/", strict, ""},

		// Length.
		{long + "a", strict, "2048"},
		{"https://example.com/" + strings.Repeat("é", 2028), strict, ""},
		{"https://example.com/" + strings.Repeat("é", 2029), strict, "2048"},

		// Not an absolute URL.
		{"", strict, "empty"},
		{"example.com/hook", strict, "absolute"},
		{"/hook", strict, "absolute"},
		{"//example.com/hook", strict, "absolute"},
		{"https:example.com", strict, "absolute"},
		{"https:/example.com", strict, "host"},
		{"https://", strict, "host"},
		{"https:///hook", strict, "host"},
		{"https://:443/", strict, "host"},
		{"https://exa mple.com/", strict, "whitespace"},
		{"https://example.com/a b", strict, "whitespace"},
		{" https://example.com/", strict, "whitespace"},
		{"https://example.com/\n", strict, "whitespace"},
		{"https://example.com/\x7f", strict, "control"},
		{"https://example.com/\xff", strict, "UTF-8"},
		{"https://exa%zzmple.com/", strict, "parsed"},

		// Scheme.
		{"http://example.com/", strict, "https"},
		{"http://example.com/", insec, ""},
		{"HTTP://example.com/", insec, ""},
		{"ftp://example.com/", dev, "https"},
		{"ws://example.com/", dev, "https"},
		{"file:///etc/passwd", dev, "https"},
		{"gopher://example.com/", dev, "https"},
		{"javascript:alert(1)", dev, "absolute"},

		// User information.
		{"https://user:pass@example.com/", dev, "user"},
		{"https://user@example.com/", dev, "user"},
		{"https://@example.com/", dev, "user"},
		{"https://example.com@127.0.0.1/", dev, "user"},

		// Fragment.
		{"https://example.com/#frag", strict, "fragment"},
		{"https://example.com/#", strict, "fragment"},

		// Port.
		{"https://example.com:0/", strict, "port"},
		{"https://example.com:65536/", strict, "port"},
		{"https://example.com:99999999999/", strict, "port"},
		{"https://example.com:/", strict, "port"},
		{"https://example.com:-1/", strict, "parsed"},
		{"https://example.com:https/", strict, "parsed"},
		{"https://[::1]:0/", dev, "port"},

		// Host names.
		{"https://-example.com/", strict, "host name"},
		{"https://exa..mple.com/", strict, "host name"},
		{"https://" + strings.Repeat("a", 64) + ".com/", strict, "host name"},
		{"https://" + strings.Repeat("a.", 127) + "com/", strict, "too long"},
		{"https://bücher.example/", strict, "xn--"},
		{"https://ｌｏｃａｌｈｏｓｔ/", dev, "xn--"},
		{"https://exa!mple.com/", strict, "host name"},

		// IP literals that are not public.
		{"https://127.0.0.1/", strict, "public"},
		{"https://127.0.0.1/", insec, "public"},
		{"https://127.0.0.1:8080/", private, ""},
		{"http://127.0.0.1:8080/hook", dev, ""},
		{"https://10.0.0.1/", strict, "public"},
		{"https://192.168.1.10/", strict, "public"},
		{"https://169.254.169.254/latest/meta-data/", strict, "public"},
		{"https://100.100.100.200/", strict, "public"},
		{"https://0.0.0.0/", strict, "public"},
		{"https://255.255.255.255/", strict, "public"},
		{"https://224.0.0.1/", strict, "public"},
		{"https://[::1]/", strict, "public"},
		{"https://[::1]/", private, ""},
		{"https://[::]/", strict, "public"},
		{"https://[fe80::1]/", strict, "public"},
		{"https://[fc00::1]/", strict, "public"},
		{"https://[fd00:ec2::254]/", strict, "public"},
		{"https://[::ffff:127.0.0.1]/", strict, "public"},
		{"https://[::ffff:169.254.169.254]/", strict, "public"},
		{"https://[64:ff9b::7f00:1]/", strict, "public"},
		{"https://[ff02::1]/", strict, "public"},
		{"https://[fe80::1%25eth0]/", dev, "IPv6"},
		{"https://[1.2.3.4]/", dev, "parsed"},
		{"https://[example.com]/", dev, "parsed"},

		// IPv4 in disguise, which some resolvers read as an address.
		{"https://127.1/", private, "IPv4"},
		{"https://2130706433/", private, "IPv4"},
		{"https://0x7f000001/", private, "IPv4"},
		{"https://0x7f.0.0.1/", private, "IPv4"},
		{"https://0177.0.0.1/", private, "IPv4"},
		{"https://127.000.000.001/", private, "IPv4"},
		{"https://1.2.3.4.5/", private, "IPv4"},
		{"https://example.0x10/", private, "IPv4"},
		{"https://%31%32%37.0.0.1/", strict, "parsed"},
		{"https://8.8.8.8./", strict, ""},
		{"https://127.0.0.1./", strict, "public"},

		// Loopback names.
		{"https://localhost/", strict, "loopback"},
		{"https://LOCALHOST:8080/", strict, "loopback"},
		{"https://localhost./", strict, "loopback"},
		{"https://api.localhost/", strict, "loopback"},
		{"https://a.b.LocalHost./", strict, "loopback"},
		{"https://%6c%6f%63%61%6c%68%6f%73%74/", strict, "parsed"},
		{"http://localhost:8080/", dev, ""},
		{"https://acme.localhost:8443/", private, ""},
	} {
		err := shiftwire.ValidateDestination(tc.raw, tc.policy)
		name := tc.raw
		if len(name) > 60 {
			name = name[:60] + "..."
		}
		if tc.reason == "" {
			if err != nil {
				t.Errorf("ValidateDestination(%q, %+v) = %v, want nil", name, tc.policy, err)
			}
			continue
		}
		var e *shiftwire.Error
		if !errors.As(err, &e) || e.Code != shiftwire.EInvalid || e.Message != "invalid destination URL" || len(e.Reasons) != 1 {
			t.Errorf("ValidateDestination(%q, %+v) = %#v, want an invalid destination URL error", name, tc.policy, err)
			continue
		}
		if !strings.Contains(e.Reasons[0], tc.reason) {
			t.Errorf("ValidateDestination(%q, %+v) reason %q, want it to mention %q", name, tc.policy, e.Reasons[0], tc.reason)
		}
	}
}

// TestValidateDestinationNeverEchoes checks that a reason never repeats the URL, whose query
// or user information may hold a credential.
func TestValidateDestinationNeverEchoes(t *testing.T) {
	for _, raw := range []string{
		"https://user:s3cr3t-pass@example.com/",
		"http://example.com/?token=s3cr3t-pass",
		"https://127.0.0.1/?token=s3cr3t-pass",
		"https://example.com/?token=s3cr3t-pass#s3cr3t-pass",
		"ftp://s3cr3t-pass.example.com/",
		"https://s3cr3t-pass.localhost/",
	} {
		err := shiftwire.ValidateDestination(raw, shiftwire.DestinationPolicy{})
		if err == nil {
			t.Fatalf("ValidateDestination(%q) = nil", raw)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("ValidateDestination(%q) = %q: it repeats the URL", raw, err)
		}
	}
}

// FuzzValidateDestination checks that no input panics and that every accepted URL really
// keeps the rules, whatever url.Parse makes of it.
func FuzzValidateDestination(f *testing.F) {
	for _, s := range []string{
		"https://example.com/hook?x=1",
		"http://127.0.0.1:8080/",
		"https://[::ffff:127.0.0.1]/",
		"https://0x7f.1/",
		"https://user@host/",
		"https://a.localhost./",
	} {
		f.Add(s, false, false)
	}
	f.Fuzz(func(t *testing.T, raw string, allowInsecure, allowPrivate bool) {
		p := shiftwire.DestinationPolicy{AllowInsecure: allowInsecure, AllowPrivate: allowPrivate}
		err := shiftwire.ValidateDestination(raw, p)
		if err != nil {
			if shiftwire.ErrorCodeOf(err) != shiftwire.EInvalid {
				t.Fatalf("error %v is not EInvalid", err)
			}
			return
		}
		u, perr := url.Parse(raw)
		if perr != nil {
			t.Fatalf("accepted %q, which url.Parse rejects: %v", raw, perr)
		}
		if len([]rune(raw)) > shiftwire.MaxDestinationURLLength {
			t.Fatalf("accepted %d characters", len([]rune(raw)))
		}
		switch {
		case u.Scheme == "https":
		case u.Scheme == "http" && allowInsecure:
		default:
			t.Fatalf("accepted scheme %q of %q with %+v", u.Scheme, raw, p)
		}
		if u.User != nil || u.Fragment != "" || u.Opaque != "" || u.Hostname() == "" {
			t.Fatalf("accepted %q: %#v", raw, u)
		}
		if port := u.Port(); port != "" {
			if port == "0" || len(port) > 5 {
				t.Fatalf("accepted port %q", port)
			}
		}
		if allowPrivate {
			return
		}
		host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
		if host == "localhost" || strings.HasSuffix(host, ".localhost") {
			t.Fatalf("accepted loopback name in %q", raw)
		}
		if a, err := netip.ParseAddr(host); err == nil && !shiftwire.IsPublicAddr(a) {
			t.Fatalf("accepted non-public address in %q", raw)
		}
		if a, ok := parseInetAton(host); ok && !shiftwire.IsPublicAddr(a) {
			t.Fatalf("accepted %q, which inet_aton reads as %s", raw, a)
		}
	})
}

// parseInetAton parses IPv4 the lenient way of the C library's inet_aton, which getaddrinfo
// applies to host names: one to four parts, each decimal, octal (leading 0) or hex (0x),
// the last filling the remaining bytes. ValidateDestination must not let such a name through
// to a resolver that would read it as a private address.
func parseInetAton(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var vals []uint64
	for _, p := range parts {
		base := 10
		switch {
		case len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X"):
			base, p = 16, p[2:]
			if p == "" {
				p = "0"
			}
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil || p == "" || p[0] == '+' {
			return netip.Addr{}, false
		}
		vals = append(vals, v)
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 255 {
			return netip.Addr{}, false
		}
		n |= v << (24 - 8*i)
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*(5-len(vals))) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

func TestParseInetAton(t *testing.T) {
	for in, want := range map[string]string{
		"127.1": "127.0.0.1", "2130706433": "127.0.0.1", "0x7f.1": "127.0.0.1",
		"0177.0.0.1": "127.0.0.1", "10.0.258": "10.0.1.2", "1.2.3.4": "1.2.3.4",
	} {
		if a, ok := parseInetAton(in); !ok || a.String() != want {
			t.Errorf("parseInetAton(%q) = %v, %v; want %s", in, a, ok, want)
		}
	}
	for _, in := range []string{"example.com", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "", "08", "1..2"} {
		if a, ok := parseInetAton(in); ok {
			t.Errorf("parseInetAton(%q) = %v, want no address", in, a)
		}
	}
}

package delivery

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"

	"github.com/shiftwire/shiftwire"
)

// ErrAddrNotAllowed is the connect-time SSRF refusal: the destination's host resolved to an
// address that is not public (see shiftwire.IsPublicAddr). Classify reports it as
// ConnectionFailed with this message, which leaves the address out; the dial error that
// wraps it names the address for the logs.
var ErrAddrNotAllowed = errors.New("destination address is not allowed: not a public address")

// errNetworkNotAllowed refuses dials that are not TCP, such as unix sockets.
var errNetworkNotAllowed = errors.New("destination network is not allowed")

// SafeDialContext returns a DialContext for http.Transport that refuses to connect to
// addresses that are not public, unless allowPrivate is set. The check runs in the dialer's
// Control hook, on the socket about to connect, after DNS resolution: a name that resolves,
// or later rebinds, to a private address is refused even though it passed
// shiftwire.ValidateDestination when the webhook was created. dialer supplies timeouts and
// keep-alive; it is copied, and a Control or ControlContext hook it has still runs after the
// check. A nil dialer means a zero net.Dialer.
//
// The transport must not use a proxy (Proxy: nil), or the check would see the proxy's
// address instead of the destination's.
func SafeDialContext(allowPrivate bool, dialer *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := new(net.Dialer)
	if dialer != nil {
		*d = *dialer
	}
	if allowPrivate {
		return d.DialContext
	}
	control, controlContext := d.Control, d.ControlContext
	d.Control = nil
	d.ControlContext = func(ctx context.Context, network, address string, c syscall.RawConn) error {
		if !allowedAddr(address) {
			return ErrAddrNotAllowed
		}
		if controlContext != nil {
			return controlContext(ctx, network, address, c)
		}
		if control != nil {
			return control(network, address, c)
		}
		return nil
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		switch network {
		case "tcp", "tcp4", "tcp6":
		default:
			return nil, &net.OpError{Op: "dial", Net: network, Err: errNetworkNotAllowed}
		}
		return d.DialContext(ctx, network, addr)
	}
}

// allowedAddr reports whether the resolved "ip:port" the dialer is about to connect to is
// public. Anything it cannot parse is refused.
func allowedAddr(address string) bool {
	ap, err := netip.ParseAddrPort(address)
	return err == nil && shiftwire.IsPublicAddr(ap.Addr())
}

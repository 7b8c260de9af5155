package delivery

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln
}

func TestSafeDialContext(t *testing.T) {
	ln := listen(t)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	for _, tc := range []struct {
		name         string
		allowPrivate bool
		network      string
		addr         string
		wantErr      error // nil: connects
	}{
		{"loopback refused", false, "tcp", "127.0.0.1:" + port, ErrAddrNotAllowed},
		{"loopback refused on tcp4", false, "tcp4", "127.0.0.1:" + port, ErrAddrNotAllowed},
		{"loopback allowed", true, "tcp", "127.0.0.1:" + port, nil},
		{"localhost refused after resolution", false, "tcp", "localhost:" + port, ErrAddrNotAllowed},
		{"localhost allowed", true, "tcp", "localhost:" + port, nil},
		{"mapped loopback refused", false, "tcp", "[::ffff:127.0.0.1]:" + port, ErrAddrNotAllowed},
		{"unspecified refused", false, "tcp", "0.0.0.0:" + port, ErrAddrNotAllowed},
		{"metadata refused", false, "tcp", "169.254.169.254:80", ErrAddrNotAllowed},
		{"private refused", false, "tcp", "10.1.2.3:443", ErrAddrNotAllowed},
		{"unix refused", false, "unix", "/var/run/docker.sock", errNetworkNotAllowed},
		{"udp refused", false, "udp", "8.8.8.8:53", errNetworkNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dial := SafeDialContext(tc.allowPrivate, &net.Dialer{Timeout: 2 * time.Second})
			conn, err := dial(ctx, tc.network, tc.addr)
			if conn != nil {
				conn.Close()
			}
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("dial %s: %v", tc.addr, err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("dial %s = %v, want %v", tc.addr, err, tc.wantErr)
			}
			if r := Classify(nil, err, time.Now()); r.Outcome != shiftwire.OutcomeConnectionFailed || !strings.Contains(r.Err, "not allowed") {
				t.Fatalf("Classify(dial error) = %+v, want ConnectionFailed saying not allowed", r)
			}
		})
	}
}

// TestSafeDialContextChainsControl checks that the dialer's own Control hook still runs,
// after the check. The hook fails, so no packet leaves for the public address.
func TestSafeDialContextChainsControl(t *testing.T) {
	errHook := errors.New("hook ran")
	var seen []string
	d := &net.Dialer{Control: func(network, address string, c syscall.RawConn) error {
		seen = append(seen, address)
		return errHook
	}}
	dial := SafeDialContext(false, d)
	if _, err := dial(context.Background(), "tcp", "127.0.0.1:9"); !errors.Is(err, ErrAddrNotAllowed) {
		t.Fatalf("dial loopback = %v, want ErrAddrNotAllowed", err)
	}
	if len(seen) != 0 {
		t.Fatalf("the hook ran for a refused address: %v", seen)
	}
	if _, err := dial(context.Background(), "tcp4", "8.8.8.8:443"); !errors.Is(err, errHook) {
		t.Fatalf("dial public = %v, want the hook's error", err)
	}
	if len(seen) != 1 || seen[0] != "8.8.8.8:443" {
		t.Fatalf("hook saw %v", seen)
	}
	if d.Control == nil || d.ControlContext != nil {
		t.Fatal("SafeDialContext changed the caller's dialer")
	}

	ctxHookRan := false
	d2 := &net.Dialer{ControlContext: func(ctx context.Context, network, address string, c syscall.RawConn) error {
		ctxHookRan = true
		return errHook
	}}
	if _, err := SafeDialContext(false, d2)(context.Background(), "tcp4", "8.8.8.8:443"); !errors.Is(err, errHook) || !ctxHookRan {
		t.Fatalf("dial public with ControlContext = %v, ran %v", err, ctxHookRan)
	}
	if conn, err := SafeDialContext(false, nil)(context.Background(), "tcp", "127.0.0.1:9"); !errors.Is(err, ErrAddrNotAllowed) {
		if conn != nil {
			conn.Close()
		}
		t.Fatalf("nil dialer: %v", err)
	}
}

// TestSafeDialContextHTTP sends a real request to a loopback server through a transport set
// up as the engine sets it up: refused without allowPrivate, delivered with it, and the
// recorded error names neither the address nor the URL's query.
func TestSafeDialContextHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))

	for _, tc := range []struct {
		allowPrivate bool
		url          string
		want         shiftwire.Outcome
	}{
		{false, srv.URL + "/hook?token=s3cret", shiftwire.OutcomeConnectionFailed},
		{false, "http://localhost:" + port + "/hook?token=s3cret", shiftwire.OutcomeConnectionFailed},
		{true, srv.URL + "/hook?token=s3cret", shiftwire.OutcomeSucceeded},
		{true, "http://localhost:" + port + "/hook", shiftwire.OutcomeSucceeded},
	} {
		client := &http.Client{
			Timeout: 5 * time.Second,
			Transport: &http.Transport{
				Proxy:       nil,
				DialContext: SafeDialContext(tc.allowPrivate, &net.Dialer{Timeout: 2 * time.Second}),
			},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		resp, err := client.Post(tc.url, "application/json", strings.NewReader(`{}`))
		if resp != nil {
			resp.Body.Close()
		}
		r := Classify(resp, err, time.Now())
		if r.Outcome != tc.want {
			t.Errorf("POST %s (allowPrivate %v): %+v (err %v), want %s", tc.url, tc.allowPrivate, r, err, tc.want)
		}
		if tc.want == shiftwire.OutcomeConnectionFailed {
			if !strings.Contains(r.Err, "not allowed") {
				t.Errorf("POST %s: Err %q does not say the address is not allowed", tc.url, r.Err)
			}
			if strings.Contains(r.Err, "s3cret") || strings.Contains(r.Err, "127.0.0.1") {
				t.Errorf("POST %s: Err %q reveals the query or the address", tc.url, r.Err)
			}
		}
	}
}

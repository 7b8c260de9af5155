package delivery

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
)

var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func response(code int, header ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Add(header[i], header[i+1])
	}
	return &http.Response{StatusCode: code, Header: h}
}

func TestClassifyStatus(t *testing.T) {
	httpDate := func(d time.Duration) string { return testNow.Add(d).Format(http.TimeFormat) }
	for _, tc := range []struct {
		name string
		resp *http.Response
		err  error
		want Result
	}{
		{"200", response(200), nil, Result{Outcome: shiftwire.OutcomeSucceeded, StatusCode: 200}},
		{"201", response(201), nil, Result{Outcome: shiftwire.OutcomeSucceeded, StatusCode: 201}},
		{"204", response(204), nil, Result{Outcome: shiftwire.OutcomeSucceeded, StatusCode: 204}},
		{"299", response(299), nil, Result{Outcome: shiftwire.OutcomeSucceeded, StatusCode: 299}},
		{"2xx ignores Retry-After", response(200, "Retry-After", "60"), nil, Result{Outcome: shiftwire.OutcomeSucceeded, StatusCode: 200}},
		{"101", response(101), nil, Result{Outcome: shiftwire.OutcomeFailed, StatusCode: 101, Err: "HTTP 101 Switching Protocols"}},
		{"301", response(301, "Location", "https://elsewhere/"), nil, Result{Outcome: shiftwire.OutcomeFailed, StatusCode: 301, Err: "redirect not followed: 301 Moved Permanently"}},
		{"302", response(302), nil, Result{Outcome: shiftwire.OutcomeFailed, StatusCode: 302, Err: "redirect not followed: 302 Found"}},
		{"307", response(307), nil, Result{Outcome: shiftwire.OutcomeFailed, StatusCode: 307, Err: "redirect not followed: 307 Temporary Redirect"}},
		{"308", response(308), nil, Result{Outcome: shiftwire.OutcomeFailed, StatusCode: 308, Err: "redirect not followed: 308 Permanent Redirect"}},
		{"302 refused by CheckRedirect", response(302), &url.Error{Op: "Post", URL: "https://x/?token=s", Err: errors.New("no redirects")}, Result{Outcome: shiftwire.OutcomeFailed, StatusCode: 302, Err: "redirect not followed: 302 Found"}},
		{"400", response(400), nil, Result{Outcome: shiftwire.OutcomeFailed, StatusCode: 400, Err: "HTTP 400 Bad Request"}},
		{"401", response(401), nil, Result{Outcome: shiftwire.OutcomeFailed, StatusCode: 401, Err: "HTTP 401 Unauthorized"}},
		{"404", response(404), nil, Result{Outcome: shiftwire.OutcomeFailed, StatusCode: 404, Err: "HTTP 404 Not Found"}},
		{"410", response(410), nil, Result{Outcome: shiftwire.OutcomeFailed, StatusCode: 410, Gone: true, Err: "HTTP 410 Gone"}},
		{"500", response(500), nil, Result{Outcome: shiftwire.OutcomeFailed, StatusCode: 500, Err: "HTTP 500 Internal Server Error"}},
		{"599", response(599), nil, Result{Outcome: shiftwire.OutcomeFailed, StatusCode: 599, Err: "HTTP 599"}},
		{"500 ignores Retry-After", response(500, "Retry-After", "60"), nil, Result{Outcome: shiftwire.OutcomeFailed, StatusCode: 500, Err: "HTTP 500 Internal Server Error"}},
		{"410 ignores Retry-After", response(410, "Retry-After", "60"), nil, Result{Outcome: shiftwire.OutcomeFailed, StatusCode: 410, Gone: true, Err: "HTTP 410 Gone"}},
		{"429 without Retry-After", response(429), nil, Result{Outcome: shiftwire.OutcomeFailed, StatusCode: 429, Err: "HTTP 429 Too Many Requests"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.resp, tc.err, testNow); got != tc.want {
				t.Fatalf("Classify = %+v, want %+v", got, tc.want)
			}
		})
	}

	for _, tc := range []struct {
		code  int
		value string
		want  time.Duration
	}{
		{429, "120", 2 * time.Minute},
		{503, "120", 2 * time.Minute},
		{503, " 60 ", time.Minute},
		{503, "0", 0},
		{503, "007", 7 * time.Second},
		{503, "21600", 6 * time.Hour},
		{503, "21601", 6 * time.Hour},
		{503, "9999999", 6 * time.Hour},
		{503, "000000000000000000000000000000000000005", 5 * time.Second},
		{503, "99999999999999999999999999999999999999", 6 * time.Hour},
		{503, "-5", 0},
		{503, "+5", 0},
		{503, "1.5", 0},
		{503, "5s", 0},
		{503, "soon", 0},
		{503, "", 0},
		{429, httpDate(90 * time.Second), 90 * time.Second},
		{503, httpDate(2 * time.Hour), 2 * time.Hour},
		{503, httpDate(7 * time.Hour), 6 * time.Hour},
		{503, httpDate(-time.Minute), 0},
		{503, httpDate(0), 0},
		{503, "Sunday, 02-Mar-25 12:00:00 GMT", 6 * time.Hour}, // RFC 850
		{503, "Sat Mar  1 12:00:30 2025", 30 * time.Second},    // ANSI C asctime
		{503, "Sat, 01 Mar 2025 12:00:30 +0100", 0},            // not an HTTP date
	} {
		got := Classify(response(tc.code, "Retry-After", tc.value), nil, testNow)
		if got.RetryAfter != tc.want || got.Outcome != shiftwire.OutcomeFailed {
			t.Errorf("%d with Retry-After %q: RetryAfter = %v, outcome %s; want %v", tc.code, tc.value, got.RetryAfter, got.Outcome, tc.want)
		}
	}
}

// timeoutErr is a net.Error that timed out, like the one http.Client returns when its
// Timeout is exceeded.
type timeoutErr struct{}

func (timeoutErr) Error() string {
	return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
}
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func urlErr(err error) error {
	return &url.Error{Op: "Post", URL: "https://user:hunter2@hooks.example.com/in?token=s3cret", Err: err}
}

func TestClassifyError(t *testing.T) {
	dial := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(203, 0, 113, 5), Port: 443}, Err: os.NewSyscallError("connect", err)}
	}
	for _, tc := range []struct {
		name    string
		err     error
		outcome shiftwire.Outcome
		msg     string // a part of Err
	}{
		{"deadline", context.DeadlineExceeded, shiftwire.OutcomeTimedOut, "deadline exceeded"},
		{"wrapped deadline", urlErr(fmt.Errorf("send: %w", context.DeadlineExceeded)), shiftwire.OutcomeTimedOut, "deadline exceeded"},
		{"client timeout", urlErr(timeoutErr{}), shiftwire.OutcomeTimedOut, "Client.Timeout"},
		{"i/o timeout", urlErr(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}), shiftwire.OutcomeTimedOut, "i/o timeout"},
		{"dial timeout", urlErr(dial(syscall.ETIMEDOUT)), shiftwire.OutcomeTimedOut, "timed out"},
		{"refused", urlErr(dial(syscall.ECONNREFUSED)), shiftwire.OutcomeConnectionFailed, "connection refused"},
		{"reset", urlErr(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), shiftwire.OutcomeConnectionFailed, "connection reset"},
		{"unreachable", urlErr(dial(syscall.EHOSTUNREACH)), shiftwire.OutcomeConnectionFailed, "no route to host"},
		{"unknown host", urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "nope.example", IsNotFound: true}}), shiftwire.OutcomeConnectionFailed, "no such host"},
		{"dns failure", urlErr(&net.DNSError{Err: "server misbehaving", Name: "x.example", IsTemporary: true}), shiftwire.OutcomeConnectionFailed, "server misbehaving"},
		{"not allowed", urlErr(&net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 443}, Err: ErrAddrNotAllowed}), shiftwire.OutcomeConnectionFailed, "not allowed"},
		{"tls", urlErr(&tls.CertificateVerificationError{Err: errors.New("x509: certificate signed by unknown authority")}), shiftwire.OutcomeConnectionFailed, "unknown authority"},
		{"eof", urlErr(io.EOF), shiftwire.OutcomeConnectionFailed, "connection closed"},
		{"unexpected eof", urlErr(fmt.Errorf("read: %w", io.ErrUnexpectedEOF)), shiftwire.OutcomeConnectionFailed, "connection closed"},
		{"canceled", urlErr(context.Canceled), shiftwire.OutcomeConnectionFailed, "canceled"},
		{"no response and no error", nil, shiftwire.OutcomeConnectionFailed, "no response"},
		{"bad location", urlErr(errors.New(`failed to parse Location header "https://u:hunter2@evil.example/x?token=s3cret#s3cret": bad`)), shiftwire.OutcomeConnectionFailed, `"https://evil.example/x"`},
		{"unparseable url in message", urlErr(errors.New("see https://[bad:hunter2@x?token=s3cret")), shiftwire.OutcomeConnectionFailed, "see <url>"},
		{"long", urlErr(errors.New(strings.Repeat("é", 300))), shiftwire.OutcomeConnectionFailed, "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify(nil, tc.err, testNow)
			if got.Outcome != tc.outcome || got.StatusCode != 0 || got.Gone || got.RetryAfter != 0 {
				t.Fatalf("Classify = %+v, want outcome %s", got, tc.outcome)
			}
			if !strings.Contains(got.Err, tc.msg) {
				t.Errorf("Err = %q, want it to contain %q", got.Err, tc.msg)
			}
			for _, secret := range []string{"s3cret", "hunter2", "hooks.example.com", "10.0.0.1"} {
				if strings.Contains(got.Err, secret) {
					t.Errorf("Err = %q reveals %q", got.Err, secret)
				}
			}
			if len(got.Err) > maxErrLen+len("…") {
				t.Errorf("len(Err) = %d", len(got.Err))
			}
		})
	}
}

// TestClassifyRealClient runs real exchanges through http.Client, configured as the engine
// must configure it (no redirects followed), so that Classify is checked against the errors
// the standard library really returns, not only against hand-built ones.
func TestClassifyRealClient(t *testing.T) {
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok?token=s3cret", http.StatusFound)
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	mux.HandleFunc("/hangup", func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release) // before Close, which waits for handlers

	client := &http.Client{
		Timeout:       200 * time.Millisecond,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	// A port that was just closed refuses connections.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://user:hunter2@" + ln.Addr().String() + "/x?token=s3cret"
	ln.Close()

	for _, tc := range []struct {
		url     string
		outcome shiftwire.Outcome
		code    int
	}{
		{srv.URL + "/ok", shiftwire.OutcomeSucceeded, 204},
		{srv.URL + "/redirect", shiftwire.OutcomeFailed, 302},
		{srv.URL + "/gone", shiftwire.OutcomeFailed, 410},
		{srv.URL + "/busy", shiftwire.OutcomeFailed, 503},
		{srv.URL + "/slow?token=s3cret", shiftwire.OutcomeTimedOut, 0},
		{srv.URL + "/hangup?token=s3cret", shiftwire.OutcomeConnectionFailed, 0},
		{closed, shiftwire.OutcomeConnectionFailed, 0},
	} {
		resp, err := client.Post(tc.url, "application/json", strings.NewReader(`{}`))
		if resp != nil {
			resp.Body.Close()
		}
		got := Classify(resp, err, testNow)
		if got.Outcome != tc.outcome || got.StatusCode != tc.code {
			t.Errorf("POST %s: Classify = %+v (err %v), want %s %d", tc.url, got, err, tc.outcome, tc.code)
		}
		if strings.Contains(got.Err, "s3cret") || strings.Contains(got.Err, "hunter2") {
			t.Errorf("POST %s: Err %q reveals a credential", tc.url, got.Err)
		}
		switch tc.code {
		case 410:
			if !got.Gone {
				t.Errorf("POST %s: Gone = false", tc.url)
			}
		case 503:
			if got.RetryAfter != 30*time.Second {
				t.Errorf("POST %s: RetryAfter = %v", tc.url, got.RetryAfter)
			}
		}
	}

	// With the default CheckRedirect replaced by one that fails, Do returns both the
	// redirect response and an error; the status still decides.
	strict := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return errors.New("redirects are not followed") }}
	resp, err := strict.Post(srv.URL+"/redirect", "application/json", strings.NewReader(`{}`))
	if resp != nil {
		resp.Body.Close()
	}
	if got := Classify(resp, err, testNow); got.Outcome != shiftwire.OutcomeFailed || got.StatusCode != 302 {
		t.Errorf("refused redirect: Classify = %+v (err %v)", got, err)
	}
}

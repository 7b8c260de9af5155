package delivery

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shiftwire/shiftwire"
)

// MaxRetryAfter caps the Retry-After a destination may ask for, so that one answer cannot
// park an event for days.
const MaxRetryAfter = 6 * time.Hour

// maxErrLen bounds Result.Err: it is stored with every attempt.
const maxErrLen = 256

// Result is the classified outcome of one delivery attempt.
type Result struct {
	Outcome shiftwire.Outcome
	// StatusCode is the HTTP status the destination answered, or 0 when none arrived.
	StatusCode int
	// RetryAfter is the wait asked for by a 429 or 503 answer's Retry-After, at most
	// MaxRetryAfter; 0 when there is none or it is invalid or in the past.
	RetryAfter time.Duration
	// Gone reports a 410 answer, which disables the webhook at once.
	Gone bool
	// Err explains a failure in a few words for the debugging endpoints and logs; "" on
	// success. It never contains a URL's user information or query, where credentials live.
	Err string
}

// Classify turns the outcome of (*http.Client).Do into a Result. Redirects are not
// followed, so a 3xx is a failure like any other non-2xx. When resp is not nil its status
// decides, even if err is set too (as when a CheckRedirect hook refuses to follow). Without
// a response, ErrAddrNotAllowed is ConnectionFailed, any timeout (connect, DNS, TLS, headers
// or the request's context deadline) is TimedOut, and every other error (refused, reset,
// unknown host, TLS failure, cancellation) is ConnectionFailed. now is the base of a
// Retry-After given as an HTTP date.
func Classify(resp *http.Response, err error, now time.Time) Result {
	if resp != nil {
		return classifyStatus(resp, now)
	}
	switch {
	case err == nil:
		return Result{Outcome: shiftwire.OutcomeConnectionFailed, Err: "no response"}
	case errors.Is(err, ErrAddrNotAllowed):
		// The dial error around it names the resolved address; the refusal alone is enough.
		return Result{Outcome: shiftwire.OutcomeConnectionFailed, Err: ErrAddrNotAllowed.Error()}
	case isTimeout(err):
		return Result{Outcome: shiftwire.OutcomeTimedOut, Err: errorMessage(err)}
	}
	return Result{Outcome: shiftwire.OutcomeConnectionFailed, Err: errorMessage(err)}
}

func classifyStatus(resp *http.Response, now time.Time) Result {
	code := resp.StatusCode
	r := Result{StatusCode: code}
	switch {
	case code >= 200 && code <= 299:
		r.Outcome = shiftwire.OutcomeSucceeded
		return r
	case code >= 300 && code <= 399:
		r.Outcome = shiftwire.OutcomeFailed
		r.Err = "redirect not followed: " + statusText(code)
	default:
		r.Outcome = shiftwire.OutcomeFailed
		r.Err = "HTTP " + statusText(code)
	}
	switch code {
	case http.StatusGone:
		r.Gone = true
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		r.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
	}
	return r
}

// statusText uses Go's name for the status rather than the destination's reason phrase,
// which is whatever the destination chose to send.
func statusText(code int) string {
	s := strconv.Itoa(code)
	if t := http.StatusText(code); t != "" {
		s += " " + t
	}
	return s
}

// parseRetryAfter reads delta-seconds or an HTTP date (RFC 9110, section 10.2.3).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if isDigits(v) {
		// More than six digits is more than MaxRetryAfter, and may not fit an int.
		if len(strings.TrimLeft(v, "0")) > 6 {
			return MaxRetryAfter
		}
		n, _ := strconv.Atoi(v)
		return min(time.Duration(n)*time.Second, MaxRetryAfter)
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return min(d, MaxRetryAfter)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// errorMessage describes err briefly. The *url.Error that http.Client returns starts with
// the method and the full URL, query included, so its inner error is used instead; any URL
// that remains inside the text, such as a Location header quoted in a redirect error, loses
// its user information and query.
func errorMessage(err error) string {
	var ue *url.Error
	for errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	var msg string
	switch {
	case errors.Is(err, context.Canceled):
		msg = "request canceled"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		msg = "connection closed by the destination before it answered"
	default:
		msg = redactURLs(err.Error())
	}
	if len(msg) > maxErrLen {
		cut := maxErrLen
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}

// redactURLs rewrites every "scheme://..." in s without user information, query or
// fragment.
func redactURLs(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	var b strings.Builder
	for i >= 0 {
		start := i
		for start > 0 && isSchemeChar(s[start-1]) {
			start--
		}
		end := i + len("://")
		for end < len(s) && !isURLEnd(s[end]) {
			end++
		}
		b.WriteString(s[:start])
		b.WriteString(redactURL(s[start:end]))
		s = s[end:]
		i = strings.Index(s, "://")
	}
	b.WriteString(s)
	return b.String()
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<url>"
	}
	u.User = nil
	u.RawQuery = ""
	u.ForceQuery = false
	u.Fragment = ""
	u.RawFragment = ""
	return u.String()
}

func isSchemeChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'
}

func isURLEnd(c byte) bool {
	return c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' || c == 0x7f
}

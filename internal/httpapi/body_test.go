package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/auth"
	"github.com/shiftwire/shiftwire/internal/httpapi"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

// syncBuffer collects the server's log.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestSlowAndBrokenBodies sends bodies that stall past the server's ReadTimeout, or that
// end early because the client hangs up, to a real server on 127.0.0.1 over raw TCP: each
// is the client's fault, answered 408 or 400 in Protime's format and logged at most at
// WARN, never a 500 logged at ERROR.
func TestSlowAndBrokenBodies(t *testing.T) {
	db := storetest.OpenSQLite(t)
	if err := db.CreateTenant(context.Background(), &shiftwire.Tenant{Name: "acme", TimeZone: shiftwire.DefaultTimeZone}); err != nil {
		t.Fatal(err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	issuer := auth.NewIssuer(key, time.Now)
	log := &syncBuffer{}
	api := httpapi.New(httpapi.Config{BaseDomain: "localhost", DefaultTenant: "acme"}, httpapi.Deps{
		Store:    db,
		Issuer:   issuer,
		Verifier: auth.NewVerifier(issuer, nil),
		Logger:   slog.New(slog.NewJSONHandler(log, nil)),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// The ReadTimeout is the only time that passes: the body never comes.
	srv := &http.Server{Handler: api, ReadTimeout: 300 * time.Millisecond}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	token, _, err := issuer.Issue("http://"+ln.Addr().String()+"/tenants/acme", "acme", "tester", shiftwire.AllScopes())
	if err != nil {
		t.Fatal(err)
	}

	const person = `{"lastName":"Peeters","firstName":"An"}`
	const change = `{"collection":"people","changeType":"InsertOrUpdate","data":{"lastName":"Peeters"}}` + "\n"
	tests := []struct {
		name, method, path string
		header             string // the body's framing
		sent               string // what arrives of the body
		hangUp             bool   // the client closes its side after sent
		status             int
		code               string
	}{
		{"stalled object", "POST", "people", "Content-Length: 100", person[:10], false, 408, "RequestTimeout"},
		{"stalled replace", "PUT", "people/7", "Content-Length: 100", person[:10], false, 408, "RequestTimeout"},
		{"stalled webhook", "POST", "webhooks", "Content-Length: 100", `{"destina`, false, 408, "RequestTimeout"},
		{"stalled references", "PUT", "external-references/people/1", "Content-Length: 100", `{"HR`, false, 408, "RequestTimeout"},
		{"stalled bulk", "POST", "changes", "Content-Length: 100000", change + change[:30], false, 408, "RequestTimeout"},
		{"stalled bulk array", "POST", "changes", "Content-Length: 100000", "[" + change + "," + change[:30], false, 408, "RequestTimeout"},
		{"stalled chunked bulk", "POST", "changes", "Transfer-Encoding: chunked", fmt.Sprintf("%x\r\n%s\r\n", len(change), change), false, 408, "RequestTimeout"},
		{"stalled before a byte", "POST", "people", "Content-Length: 100", "", false, 408, "RequestTimeout"},
		{"object cut short", "POST", "people", "Content-Length: 100", person[:10], true, 400, "BadRequest"},
		{"bulk cut short", "POST", "changes", "Content-Length: 100000", change + change[:30], true, 400, "BadRequest"},
		{"bulk array cut short", "POST", "changes", "Content-Length: 100000", "[" + change[:30], true, 400, "BadRequest"},
		{"chunked bulk cut short", "POST", "changes", "Transfer-Encoding: chunked", fmt.Sprintf("%x\r\n%s", len(change), change[:20]), true, 400, "BadRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second)) // the test's bound
			fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: acme.localhost\r\nUser-Agent: slow-test/1\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n%s\r\n\r\n%s",
				tt.method, apiBase+tt.path, token, tt.header, tt.sent)
			if tt.hangUp {
				conn.(*net.TCPConn).CloseWrite()
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var eb struct {
				Error struct{ Code, Message string }
			}
			if resp.StatusCode != tt.status || json.Unmarshal(body, &eb) != nil || eb.Error.Code != tt.code || eb.Error.Message == "" {
				t.Fatalf("%d %s, want %d with code %s", resp.StatusCode, body, tt.status, tt.code)
			}
			id := resp.Header.Get("X-Request-Id")
			var warned bool
			for _, line := range logLines(t, log.String()) {
				if line["requestId"] != id {
					continue
				}
				switch line["level"] {
				case "ERROR":
					t.Errorf("logged at ERROR: %v", line)
				case "WARN":
					warned = true
				}
			}
			if !warned {
				t.Errorf("no warning logged for request %s:\n%s", id, log)
			}
		})
	}
}

// logLines decodes the JSON log lines.
func logLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for line := range strings.Lines(log) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		lines = append(lines, m)
	}
	return lines
}

package console

import (
	"bytes"
	"strings"
	"testing"
)

func testSealer(t testing.TB, master byte) *sealer {
	t.Helper()
	s, err := newSealer(bytes.Repeat([]byte{master}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealRoundTrip(t *testing.T) {
	a, sameKey, other := testSealer(t, 1), testSealer(t, 1), testSealer(t, 2)
	v := a.seal(sessionCookie, []byte(`{"t":"acme"}`))
	if a.seal(sessionCookie, []byte(`{"t":"acme"}`)) == v {
		t.Error("sealing twice gives the same value: the nonce is not random")
	}
	// Another instance with the same master key opens it: sessions need no shared memory.
	if got, err := sameKey.open(sessionCookie, v); err != nil || string(got) != `{"t":"acme"}` {
		t.Errorf("open with the same master key = %q, %v", got, err)
	}
	if _, err := other.open(sessionCookie, v); err == nil {
		t.Error("a server with another master key opened the cookie")
	}
	if _, err := a.open(flashCookie, v); err == nil {
		t.Error("the session cookie's value opened as the flash cookie")
	}
	if _, err := newSealer(make([]byte, 16)); err == nil {
		t.Error("a 16-byte master key was accepted")
	}
}

func TestCSRFToken(t *testing.T) {
	a, other := testSealer(t, 1), testSealer(t, 2)
	tok := a.csrfToken("session-1")
	for _, tt := range []struct {
		name           string
		s              *sealer
		binding, token string
		want           bool
	}{
		{"its own", a, "session-1", tok, true},
		{"another session's", a, "session-2", tok, false},
		{"another server's", other, "session-1", tok, false},
		{"empty", a, "session-1", "", false},
		{"no binding", a, "", a.csrfToken(""), false},
		{"altered", a, "session-1", tok[:len(tok)-1] + "A", tok[len(tok)-1] == 'A'},
	} {
		if got := tt.s.checkCSRF(tt.binding, tt.token); got != tt.want {
			t.Errorf("%s: checkCSRF = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestOpenRefusesAlteredValues(t *testing.T) {
	s := testSealer(t, 1)
	sealed := s.seal(sessionCookie, []byte(`{"i":"x"}`))
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range sealed {
		for _, c := range []byte{alphabet[(strings.IndexByte(alphabet, sealed[i])+1)%len(alphabet)]} {
			altered := sealed[:i] + string(c) + sealed[i+1:]
			if got, err := s.open(sessionCookie, altered); err == nil && string(got) != `{"i":"x"}` {
				t.Errorf("altering character %d opened as %q", i, got)
			} else if err == nil && i < len(sealed)-1 {
				t.Errorf("altering character %d still opens", i)
			}
		}
	}
	for _, v := range []string{"", "AAAA", sealed[:len(sealed)-1], "!!not base64!!", sealed + "A"} {
		if _, err := s.open(sessionCookie, v); err == nil {
			t.Errorf("open(%q) succeeded", v)
		}
	}
}

// FuzzOpen feeds cookie values to open: it never panics, and the only plaintext that ever
// opens is the one the test sealed; a value the server did not seal never opens.
func FuzzOpen(f *testing.F) {
	s := testSealer(f, 1)
	sealed := s.seal(sessionCookie, []byte(`{"i":"x"}`))
	f.Add(sealed)
	f.Add("")
	f.Add("AAAA")
	f.Add(sealed[:len(sealed)-1])
	f.Add("!!not base64!!")
	f.Fuzz(func(t *testing.T, value string) {
		if got, err := s.open(sessionCookie, value); err == nil && string(got) != `{"i":"x"}` {
			t.Fatalf("open(%q) = %q: a value the server did not seal opened", value, got)
		}
	})
}

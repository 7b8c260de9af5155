package auth

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func TestNewClientSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 20 {
		s, err := NewClientSecret()
		if err != nil {
			t.Fatal(err)
		}
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(b) != 32 {
			t.Fatalf("secret %q is not base64url of 32 bytes", s)
		}
		if seen[s] {
			t.Fatal("a secret repeated")
		}
		seen[s] = true
	}
}

func TestNewClientID(t *testing.T) {
	a, err := NewClientID()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewClientID()
	if raw, err := hex.DecodeString(a); err != nil || len(raw) != 16 {
		t.Fatalf("client id %q is not 16 bytes of hex", a)
	}
	if a == b {
		t.Fatal("two client ids are equal")
	}
}

func TestHashAndCheckSecret(t *testing.T) {
	secret, err := NewClientSecret()
	if err != nil {
		t.Fatal(err)
	}
	hash, err := HashSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(hash), secret) {
		t.Fatal("the hash contains the secret")
	}
	if cost, err := bcrypt.Cost(hash); err != nil || cost != 10 {
		t.Fatalf("bcrypt cost %d, %v; want 10", cost, err)
	}
	tests := []struct {
		name   string
		hash   []byte
		secret string
		want   bool
	}{
		{"right secret", hash, secret, true},
		{"wrong secret", hash, secret + "x", false},
		{"empty secret", hash, "", false},
		{"prefix", hash, secret[:len(secret)-1], false},
		{"no client", nil, secret, false},
		{"not a hash", []byte("plain"), secret, false},
		{"too long", hash, secret + strings.Repeat("x", 72), false},
	}
	for _, tt := range tests {
		// Each comparison costs a bcrypt run on purpose; run them side by side.
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := CheckSecret(tt.hash, tt.secret); got != tt.want {
				t.Errorf("CheckSecret = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHashSecretErrorsDoNotLeak(t *testing.T) {
	long := "s3cr3t-" + strings.Repeat("z", 80)
	for _, secret := range []string{"", long} {
		_, err := HashSecret(secret)
		if err == nil {
			t.Fatalf("HashSecret accepted a %d-byte secret", len(secret))
		}
		if secret != "" && strings.Contains(err.Error(), "s3cr3t") {
			t.Fatalf("the error %q contains the secret", err)
		}
	}
}

// The dev secret from SPEC section 1 must be storable.
func TestDevSecret(t *testing.T) {
	hash, err := HashSecret("demo-secret")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckSecret(hash, "demo-secret") {
		t.Fatal("demo-secret does not match its hash")
	}
}

func TestHashChecks(t *testing.T) {
	h := NewHashChecks(2, 0)
	ctx := context.Background()
	r1, ok1 := h.Acquire(ctx)
	r2, ok2 := h.Acquire(ctx)
	if !ok1 || !ok2 {
		t.Fatal("two slots of two were refused")
	}
	if _, ok := h.Acquire(ctx); ok {
		t.Fatal("a third check got a slot")
	}
	r1()
	r1() // a second release must not free another caller's slot
	r3, ok := h.Acquire(ctx)
	if !ok {
		t.Fatal("a released slot was not reused")
	}
	if _, ok := h.Acquire(ctx); ok {
		t.Fatal("a double release freed two slots")
	}
	r2()
	r3()
}

// A waiting caller takes the slot that comes free, and stops waiting when its request ends.
func TestHashChecksWait(t *testing.T) {
	h := NewHashChecks(1, time.Hour)
	release, _ := h.Acquire(context.Background())
	got := make(chan bool)
	go func() {
		r, ok := h.Acquire(context.Background())
		if ok {
			r()
		}
		got <- ok
	}()
	release()
	if !<-got {
		t.Fatal("the waiting caller did not get the freed slot")
	}

	release, _ = h.Acquire(context.Background())
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok := h.Acquire(ctx); ok {
		t.Fatal("a caller whose request ended got a slot that was never freed")
	}
}

func TestPlausibleClientID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"erp-sync", true},
		{"3f2a9c0d1e4b5a6978877665544332211", true},
		{"Zoë's client", true},
		{strings.Repeat("c", MaxClientIDLength), true},
		{"", false},
		{strings.Repeat("c", MaxClientIDLength+1), false},
		{"erp\n", false},
		{"erp\r\nX-Forged: 1", false},
		{"erp\x00", false},
		{"erp\x7f", false},
		{"erp\u0085", false}, // NEL, a C1 control
		{"erp\xff", false},
	}
	for _, tt := range tests {
		if got := PlausibleClientID(tt.id); got != tt.want {
			t.Errorf("PlausibleClientID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

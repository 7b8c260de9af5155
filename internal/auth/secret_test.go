package auth

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

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

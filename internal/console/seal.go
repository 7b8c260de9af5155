package console

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// sealer seals cookie values with AES-256-GCM and makes CSRF tokens with HMAC-SHA256, under
// keys derived from the master key: every instance given the same master key opens the
// cookies of every other, so sessions need no server memory and survive restarts.
type sealer struct {
	aead cipher.AEAD
	mac  []byte // the CSRF key
}

// The HKDF purposes of the console's keys, apart from every other key of the master key.
const (
	sealInfo = "shiftwire console cookies"
	csrfInfo = "shiftwire console csrf"
)

// newSealer derives the console's keys from master.
func newSealer(master []byte) (*sealer, error) {
	if len(master) < 32 {
		return nil, errors.New("console: the master key must be at least 32 bytes")
	}
	key, err := hkdf.Key(sha256.New, master, nil, sealInfo, 32)
	if err != nil {
		return nil, err
	}
	mac, err := hkdf.Key(sha256.New, master, nil, csrfInfo, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead, mac: mac}, nil
}

// seal encrypts plaintext for the cookie called name, in a form fit for a cookie value. The
// name is authenticated too, so one cookie's value is refused as another's.
func (s *sealer) seal(name string, plaintext []byte) string {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plaintext, []byte(name)))
}

// open decrypts a value seal made for the cookie called name.
func (s *sealer) open(name, value string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("console: the %s cookie is not base64", name)
	}
	n := s.aead.NonceSize()
	if len(b) < n+s.aead.Overhead() {
		return nil, fmt.Errorf("console: the %s cookie is truncated", name)
	}
	plaintext, err := s.aead.Open(nil, b[:n], b[n:], []byte(name))
	if err != nil {
		return nil, fmt.Errorf("console: the %s cookie was not sealed by this server's master key", name)
	}
	return plaintext, nil
}

// csrfToken is the CSRF token of the forms of the session or sign-in bound to binding: only
// a page this server rendered for that browser holds it.
func (s *sealer) csrfToken(binding string) string {
	m := hmac.New(sha256.New, s.mac)
	m.Write([]byte(binding))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF reports whether token is the CSRF token of binding.
func (s *sealer) checkCSRF(binding, token string) bool {
	return binding != "" && token != "" && hmac.Equal([]byte(s.csrfToken(binding)), []byte(token))
}

// randomID returns 128 random bits, URL-safe.
func randomID() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

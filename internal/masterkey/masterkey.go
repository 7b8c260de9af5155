package masterkey

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/shiftwire/shiftwire"
)

// Size is the length of a master key in bytes.
const Size = 32

// The HKDF info strings; each derived key has its own so that they are independent.
const (
	sealInfo  = "shiftwire seal v1"
	tokenInfo = "shiftwire token signing v1"
)

// sealVersion is the first byte of every sealed value. A new format gets a new number and
// Open keeps reading the old ones.
const sealVersion byte = 1

const nonceSize = 12

// errFormat says what a master key must look like. It never includes the value that was
// given, which may be a real key with a typo.
var errFormat = errors.New("the master key must be the standard base64 encoding of 32 bytes")

// ErrCannotOpen is returned by Box.Open when a sealed value fails authentication: it was
// sealed under another master key, or it was altered.
var ErrCannotOpen = errors.New("masterkey: cannot open sealed value: wrong master key or corrupted data")

// Parse decodes a master key given as standard base64 of exactly 32 bytes. Surrounding white
// space is ignored, since keys are often pasted or read from files with a trailing newline.
func Parse(b64 string) (shiftwire.Secret, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil || len(key) != Size {
		return nil, errFormat
	}
	return shiftwire.Secret(key), nil
}

// Generate returns a new random master key.
func Generate() (shiftwire.Secret, error) {
	key := make([]byte, Size)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("masterkey: generating a key: %w", err)
	}
	return shiftwire.Secret(key), nil
}

// Encode returns the standard base64 form of key, the form Parse and LoadOrCreate read.
func Encode(key shiftwire.Secret) string {
	return base64.StdEncoding.EncodeToString(key.Reveal())
}

// LoadOrCreate reads the master key kept in the file at path, creating the file with a new
// key and mode 0600 when it does not exist. Several processes may start at once on the same
// database: the file is written under a temporary name and then linked into place, which
// fails if another process got there first, so exactly one key wins and nobody ever reads a
// half-written file.
//
// A key file that the group or others may read is refused: whoever can read it can read
// every webhook signing key and forge access tokens.
func LoadOrCreate(path string) (shiftwire.Secret, error) {
	key, err := load(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key, err = Generate()
	if err != nil {
		return nil, err
	}
	created, err := create(path, []byte(Encode(key)+"\n"))
	if err != nil {
		return nil, err
	}
	if !created {
		// Another process created the file between our read and our create: use its key.
		return load(path)
	}
	return key, nil
}

// load reads and checks the key file at path.
func load(path string) (shiftwire.Secret, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("masterkey: opening the key file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("masterkey: checking the key file: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("masterkey: the key file %s is not a regular file", path)
	}
	// Windows has no Unix permission bits; its ACLs are the operator's business.
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("masterkey: the key file %s has mode %04o and may be read by other users; run chmod 600 on it",
			path, info.Mode().Perm())
	}
	// A key file is one short line; refuse to read anything much larger into memory.
	buf := make([]byte, 1024)
	n, err := f.Read(buf)
	if err != nil && n == 0 {
		return nil, fmt.Errorf("masterkey: the key file %s is empty or unreadable", path)
	}
	key, err := Parse(string(buf[:n]))
	if err != nil {
		return nil, fmt.Errorf("masterkey: the key file %s is invalid: %w", path, err)
	}
	return key, nil
}

// create writes content to path unless path already exists. It reports false, without an
// error, when another process created path first.
func create(path string, content []byte) (bool, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return false, fmt.Errorf("masterkey: creating the key file: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := writeAll(tmp, content); err != nil {
		return false, err
	}
	err = os.Link(tmpName, path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return false, nil
	}
	// Some file systems have no hard links; an exclusive create gives the same guarantee
	// except for the short moment between create and write.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("masterkey: creating the key file: %w", err)
	}
	return true, writeAll(f, content)
}

// writeAll writes content to f with mode 0600, syncs and closes it.
func writeAll(f *os.File, content []byte) error {
	err := f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(content)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("masterkey: writing the key file: %w", err)
	}
	return nil
}

// derive returns n bytes derived from master for one purpose.
func derive(master shiftwire.Secret, info string, n int) ([]byte, error) {
	return hkdf.Key(sha256.New, master.Reveal(), nil, info, n)
}

// Box seals and opens secrets with AES-256-GCM under a key derived from the master key. It
// implements shiftwire.Sealer and is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

var _ shiftwire.Sealer = (*Box)(nil)

// NewBox returns a Box for master, which must be a 32-byte master key.
func NewBox(master shiftwire.Secret) (*Box, error) {
	if len(master) != Size {
		return nil, errors.New("masterkey: the master key must be 32 bytes")
	}
	key, err := derive(master, sealInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("masterkey: deriving the sealing key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("masterkey: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("masterkey: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext. The result is the version byte, a random nonce and the
// ciphertext with its authentication tag; sealing the same plaintext twice gives different
// results.
func (b *Box) Seal(plaintext []byte) ([]byte, error) {
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+b.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("masterkey: generating a nonce: %w", err)
	}
	// The version byte is additional data: changing it breaks authentication instead of
	// making Open read the value in another format.
	return b.aead.Seal(out, out[1:], plaintext, out[:1]), nil
}

// Open decrypts a value made by Seal. It returns ErrCannotOpen when the value was sealed
// under another master key or altered.
func (b *Box) Open(ciphertext []byte) ([]byte, error) {
	if len(ciphertext) == 0 {
		return nil, errors.New("masterkey: the sealed value is empty")
	}
	if ciphertext[0] != sealVersion {
		return nil, fmt.Errorf("masterkey: unknown sealed value version %d", ciphertext[0])
	}
	if len(ciphertext) < 1+nonceSize+b.aead.Overhead() {
		return nil, errors.New("masterkey: the sealed value is truncated")
	}
	plaintext, err := b.aead.Open(nil, ciphertext[1:1+nonceSize], ciphertext[1+nonceSize:], ciphertext[:1])
	if err != nil {
		return nil, ErrCannotOpen
	}
	return plaintext, nil
}

// TokenSigningKey returns the Ed25519 key that signs access tokens, derived from master so
// that every instance sharing the master key signs and verifies the same tokens without a
// stored key.
func TokenSigningKey(master shiftwire.Secret) ed25519.PrivateKey {
	seed, err := derive(master, tokenInfo, ed25519.SeedSize)
	if err != nil {
		// HKDF-SHA256 fails only for an output longer than 8160 bytes, never for a seed.
		panic("masterkey: deriving the token signing key failed")
	}
	return ed25519.NewKeyFromSeed(seed)
}

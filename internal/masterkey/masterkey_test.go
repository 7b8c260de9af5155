package masterkey

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/shiftwire/shiftwire"
)

func testKey(t *testing.T, fill byte) shiftwire.Secret {
	t.Helper()
	return shiftwire.Secret(bytes.Repeat([]byte{fill}, Size))
}

func TestParse(t *testing.T) {
	valid := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	tests := []struct {
		name  string
		input string
		ok    bool
	}{
		{"valid", valid, true},
		{"trailing newline", valid + "\n", true},
		{"empty", "", false},
		{"too short", base64.StdEncoding.EncodeToString(make([]byte, 31)), false},
		{"too long", base64.StdEncoding.EncodeToString(make([]byte, 33)), false},
		{"url alphabet", strings.Repeat("_", 43) + "=", false},
		{"not base64", "this is not a key, but it might be a secret!!", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := Parse(tt.input)
			if tt.ok {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if len(key) != Size {
					t.Fatalf("key has %d bytes", len(key))
				}
				return
			}
			if err == nil {
				t.Fatal("Parse accepted an invalid key")
			}
			if in := strings.TrimSpace(tt.input); in != "" && strings.Contains(err.Error(), in) {
				t.Fatalf("the error %q echoes the input", err)
			}
		})
	}
}

func TestEncodeParseRoundTrip(t *testing.T) {
	key, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(Encode(key))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, key) {
		t.Fatal("round trip changed the key")
	}
}

func TestBoxRoundTrip(t *testing.T) {
	box, err := NewBox(testKey(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, plaintext := range [][]byte{{}, []byte("whsec_" + strings.Repeat("k", 44)), bytes.Repeat([]byte{0xff}, 4096)} {
		sealed, err := box.Seal(plaintext)
		if err != nil {
			t.Fatal(err)
		}
		if sealed[0] != sealVersion {
			t.Fatalf("version byte %d", sealed[0])
		}
		if len(plaintext) > 0 && bytes.Contains(sealed, plaintext) {
			t.Fatal("the sealed value contains the plaintext")
		}
		opened, err := box.Open(sealed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(opened, plaintext) {
			t.Fatalf("Open = %q, want %q", opened, plaintext)
		}
	}
}

func TestBoxNonceIsRandom(t *testing.T) {
	box, err := NewBox(testKey(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := box.Seal([]byte("same"))
	b, _ := box.Seal([]byte("same"))
	if bytes.Equal(a, b) {
		t.Fatal("sealing twice gave the same value")
	}
}

func TestBoxDetectsTampering(t *testing.T) {
	box, err := NewBox(testKey(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("whsec_the-webhook-signing-key")
	sealed, err := box.Seal(secret)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(sealed); i++ {
		tampered := bytes.Clone(sealed)
		tampered[i] ^= 0x01
		if _, err := box.Open(tampered); !errors.Is(err, ErrCannotOpen) {
			t.Fatalf("flipping byte %d: err = %v, want ErrCannotOpen", i, err)
		}
	}
	versioned := bytes.Clone(sealed)
	versioned[0] = 2
	if _, err := box.Open(versioned); err == nil {
		t.Fatal("an unknown version was opened")
	}
	for _, short := range [][]byte{nil, sealed[:1], sealed[:1+nonceSize+15]} {
		if _, err := box.Open(short); err == nil {
			t.Fatalf("a %d-byte value was opened", len(short))
		}
	}
}

func TestBoxWrongKey(t *testing.T) {
	a, _ := NewBox(testKey(t, 1))
	b, _ := NewBox(testKey(t, 2))
	secret := []byte("whsec_the-webhook-signing-key")
	sealed, err := a.Seal(secret)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Open(sealed)
	if !errors.Is(err, ErrCannotOpen) {
		t.Fatalf("err = %v, want ErrCannotOpen", err)
	}
	if strings.Contains(err.Error(), string(secret)) {
		t.Fatal("the error contains the secret")
	}
}

func TestNewBoxRejectsShortKey(t *testing.T) {
	_, err := NewBox(shiftwire.Secret("short master key"))
	if err == nil {
		t.Fatal("NewBox accepted a 16-byte key")
	}
	if strings.Contains(err.Error(), "short master key") {
		t.Fatal("the error contains the key")
	}
}

func TestTokenSigningKey(t *testing.T) {
	k1 := TokenSigningKey(testKey(t, 1))
	k1again := TokenSigningKey(testKey(t, 1))
	k2 := TokenSigningKey(testKey(t, 2))
	if !k1.Equal(k1again) {
		t.Fatal("the same master key derived two signing keys")
	}
	if k1.Equal(k2) {
		t.Fatal("two master keys derived the same signing key")
	}
	if bytes.Equal(k1.Seed(), testKey(t, 1)) {
		t.Fatal("the signing key is the master key")
	}
	msg := []byte("token")
	if !ed25519.Verify(k1.Public().(ed25519.PublicKey), msg, ed25519.Sign(k1again, msg)) {
		t.Fatal("signature made by one instance not accepted by the other")
	}
}

// The sealing key and the token key come from one master key, yet neither reveals the other.
func TestDerivedKeysAreIndependent(t *testing.T) {
	master := testKey(t, 3)
	seal, err := derive(master, sealInfo, 32)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(seal, TokenSigningKey(master).Seed()) {
		t.Fatal("the sealing key equals the token signing seed")
	}
}

func TestLoadOrCreateCreatesThenLoads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shiftwire.db.key")
	first, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %04o, want 0600", info.Mode().Perm())
	}
	second, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Fatal("the second start read another key")
	}
	content, _ := os.ReadFile(path)
	if strings.TrimSpace(string(content)) != Encode(first) {
		t.Fatal("the file does not hold the base64 key")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("the directory holds %d entries, want only the key file", len(entries))
	}
}

func TestLoadOrCreateReadsExistingKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.key")
	want := testKey(t, 9)
	if err := os.WriteFile(path, []byte("  "+Encode(want)+"\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("wrong key")
	}
}

func TestLoadOrCreateRefusesReadableFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644} {
		path := filepath.Join(t.TempDir(), "db.key")
		key := Encode(testKey(t, 9))
		if err := os.WriteFile(path, []byte(key), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := LoadOrCreate(path)
		if err == nil {
			t.Fatalf("mode %04o accepted", mode)
		}
		if !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("the error %q does not say how to fix it", err)
		}
		if strings.Contains(err.Error(), key) {
			t.Fatal("the error contains the key")
		}
	}
}

func TestLoadOrCreateRefusesInvalidFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.key")
	content := "c2VjcmV0LWJ1dC10b28tc2hvcnQ="
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadOrCreate(path)
	if err == nil {
		t.Fatal("an invalid key file was accepted")
	}
	if strings.Contains(err.Error(), content) {
		t.Fatal("the error contains the file's content")
	}
	// The invalid file must be left for the operator to inspect, not replaced.
	if got, _ := os.ReadFile(path); string(got) != content {
		t.Fatal("the invalid key file was overwritten")
	}
}

func TestLoadOrCreateMissingDirectory(t *testing.T) {
	_, err := LoadOrCreate(filepath.Join(t.TempDir(), "missing", "db.key"))
	if err == nil {
		t.Fatal("expected an error")
	}
}

func TestLoadOrCreateConcurrentYieldsOneKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.key")
	const n = 32
	keys := make([]shiftwire.Secret, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			keys[i], errs[i] = LoadOrCreate(path)
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("goroutine %d got another key", i)
		}
	}
	onDisk, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, keys[0]) {
		t.Fatal("the key on disk differs from the one returned")
	}
}

package consumer_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/shiftwire/shiftwire/consumer"
)

func TestParseKey(t *testing.T) {
	raw := []byte("0123456789abcdef0123456789abcdef")
	good := "whsec_" + base64.StdEncoding.EncodeToString(raw)
	secretish := "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0!!" // not base64, and must not be echoed
	for _, tc := range []struct {
		in   string
		want string // in the error; "" for success
	}{
		{good, ""},
		{"  " + good + "\n", ""},
		{"", "no key"},
		{"   ", "no key"},
		{"whsec_...", "whsec_... is a placeholder"},
		{`"` + good + `"`, "remove the quotes"},
		{strings.TrimPrefix(good, "whsec_"), "must start with whsec_"},
		{"0193a0b4-7c1e-7000-8000-000000000001", "must start with whsec_"},
		{secretish, "not standard base64"},
		{"whsec_" + base64.StdEncoding.EncodeToString(raw[:8]), "holds 8 bytes, not 24 to 64"},
		{"whsec_", "holds 0 bytes"},
	} {
		key, err := consumer.ParseKey(tc.in)
		switch {
		case tc.want == "" && (err != nil || string(key) != string(raw)):
			t.Errorf("ParseKey(%q) = %q, %v; want the key", tc.in, key, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("ParseKey(%q) error %v, want one saying %q", tc.in, err, tc.want)
		case tc.want != "" && strings.Contains(tc.in, "c2Vj") && strings.Contains(err.Error(), "c2Vj"):
			t.Errorf("ParseKey's error %q repeats the key", err)
		case tc.want != "" && !errors.Is(err, consumer.ErrNoKey) && !errors.Is(err, consumer.ErrInvalidKey):
			t.Errorf("ParseKey(%q) error %q is neither ErrNoKey nor ErrInvalidKey", tc.in, err)
		case tc.want != "" && !strings.Contains(err.Error(), "whsec_"):
			t.Errorf("ParseKey(%q) error %q does not say what a key looks like", tc.in, err)
		}
	}
}

func TestSplitKeys(t *testing.T) {
	got := consumer.SplitKeys(" whsec_a, whsec_b\twhsec_c\n")
	if strings.Join(got, "|") != "whsec_a|whsec_b|whsec_c" {
		t.Fatalf("SplitKeys = %q", got)
	}
	if got := consumer.SplitKeys(" , "); len(got) != 0 {
		t.Fatalf("SplitKeys of separators = %q", got)
	}
}

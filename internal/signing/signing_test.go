package signing_test

import (
	"bytes"
	"errors"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/shiftwire/shiftwire/internal/signing"
)

// The vector published with the Standard Webhooks reference library
// (libraries/go/webhook_test.go, TestWebhookSign).
const (
	specKey       = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specMsgID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func mustDecode(t testing.TB, s string) []byte {
	t.Helper()
	key, err := signing.DecodeKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func headers(msgID string, ts int64, sig string) http.Header {
	h := http.Header{}
	h.Set(signing.HeaderID, msgID)
	h.Set(signing.HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(signing.HeaderSignature, sig)
	return h
}

func TestSpecVector(t *testing.T) {
	key := mustDecode(t, specKey)
	got := signing.NewSigner(key).Sign(nil, specMsgID, specTimestamp, []byte(specBody))
	if string(got) != specSignature {
		t.Fatalf("Sign = %s, want %s", got, specSignature)
	}
	now := time.Unix(specTimestamp, 0)
	if err := signing.Verify(key, specMsgID, strconv.Itoa(specTimestamp), specSignature, []byte(specBody), now, 0); err != nil {
		t.Fatalf("Verify(spec vector) = %v", err)
	}
}

func TestKeyRoundTrip(t *testing.T) {
	key, err := signing.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != signing.KeySize {
		t.Fatalf("len(NewKey()) = %d, want %d", len(key), signing.KeySize)
	}
	other, _ := signing.NewKey()
	if bytes.Equal(key, other) {
		t.Fatal("two NewKey calls returned the same key")
	}
	enc := signing.EncodeKey(key)
	if !strings.HasPrefix(enc, "whsec_") || len(enc) != len("whsec_")+44 {
		t.Fatalf("EncodeKey = %q: want whsec_ and 44 base64 characters", enc)
	}
	dec, err := signing.DecodeKey(enc)
	if err != nil || !bytes.Equal(dec, key) {
		t.Fatalf("DecodeKey(EncodeKey(k)) = %x, %v; want %x", dec, err, []byte(key))
	}
	// The reference library reads the same key from the same text.
	wh, err := standardwebhooks.NewWebhook(enc)
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := wh.Sign("msg_1", time.Unix(1, 0), []byte("x"))
	if err := signing.Verify(dec, "msg_1", "1", sig, []byte("x"), time.Unix(1, 0), 0); err != nil {
		t.Fatalf("key decoded by both sides disagrees: %v", err)
	}
}

func TestDecodeKey(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []byte
		ok   bool
	}{
		{"whsec_AQID", []byte{1, 2, 3}, true},
		{"AQID", []byte{1, 2, 3}, true}, // prefix optional, as in the Standard Webhooks libraries
		{"whsec_", nil, false},
		{"", nil, false},
		{"whsec_AQI", nil, false},  // missing padding
		{"whsec_A-_D", nil, false}, // URL alphabet
		{"whsec_!!!!", nil, false},
	} {
		got, err := signing.DecodeKey(tc.in)
		if tc.ok != (err == nil) || !bytes.Equal(got, tc.want) {
			t.Errorf("DecodeKey(%q) = %x, %v; want %x, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && strings.TrimPrefix(tc.in, "whsec_") != "" && strings.Contains(err.Error(), strings.TrimPrefix(tc.in, "whsec_")) {
			t.Errorf("DecodeKey(%q) error %q repeats the key", tc.in, err)
		}
	}
}

// TestReferenceAcceptsSign checks that the Standard Webhooks reference library accepts what
// Sign produces, for keys and bodies of several shapes.
func TestReferenceAcceptsSign(t *testing.T) {
	now := time.Now()
	ts := now.Unix()
	bodies := [][]byte{
		nil,
		[]byte(`{}`),
		[]byte(`{"changeType":"InsertOrUpdate","data":{"id":1,"changeVersion":"0000090200004BD0000A"}}`),
		bytes.Repeat([]byte("é\x00."), 5000),
	}
	for i := 0; i < 8; i++ {
		key, _ := signing.NewKey()
		wh, err := standardwebhooks.NewWebhook(signing.EncodeKey(key))
		if err != nil {
			t.Fatal(err)
		}
		s := signing.NewSigner(key)
		for _, body := range bodies {
			msgID := "0193a0b4-7c1e-7000-8000-00000000000" + strconv.Itoa(i)
			sig := s.Sign(nil, msgID, ts, body)
			if err := wh.Verify(body, headers(msgID, ts, string(sig))); err != nil {
				t.Fatalf("reference Verify rejected Sign output %s: %v", sig, err)
			}
			want, _ := wh.Sign(msgID, now, body)
			if string(sig) != want {
				t.Fatalf("Sign = %s, reference Sign = %s", sig, want)
			}
		}
	}
}

// TestVerifyAcceptsReference checks the other direction: Verify accepts what the reference
// library signs, alone or among other signatures.
func TestVerifyAcceptsReference(t *testing.T) {
	key, _ := signing.NewKey()
	wh, _ := standardwebhooks.NewWebhook(signing.EncodeKey(key))
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"changeType":"Delete","data":{"id":7,"changeVersion":"00000000000000000001"}}`)
	sig, err := wh.Sign("msg_abc", now, body)
	if err != nil {
		t.Fatal(err)
	}
	for _, header := range []string{
		sig,
		"v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " + sig,
		"v2,abc " + sig + " v1a,xyz",
		"  " + sig + "  ",
	} {
		if err := signing.Verify(key, "msg_abc", "1700000000", header, body, now, 0); err != nil {
			t.Errorf("Verify(%q) = %v", header, err)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	key, _ := signing.NewKey()
	otherKey, _ := signing.NewKey()
	now := time.Unix(1_700_000_000, 0)
	const id = "msg_1"
	body := []byte(`{"changeType":"InsertOrUpdate","data":{"id":1}}`)
	ts := now.Unix()
	good := string(signing.NewSigner(key).Sign(nil, id, ts, body))
	tsHeader := strconv.FormatInt(ts, 10)

	type input struct {
		key       []byte
		id, ts    string
		sig       string
		body      []byte
		now       time.Time
		tolerance time.Duration
	}
	base := input{key, id, tsHeader, good, body, now, 0}
	for _, tc := range []struct {
		name   string
		modify func(*input)
		want   error
	}{
		{"valid", func(*input) {}, nil},
		{"tampered body", func(in *input) { in.body = []byte(`{"changeType":"InsertOrUpdate","data":{"id":2}}`) }, signing.ErrNoMatchingSignature},
		{"body with trailing newline", func(in *input) { in.body = append(append([]byte(nil), body...), '\n') }, signing.ErrNoMatchingSignature},
		{"tampered id", func(in *input) { in.id = "msg_2" }, signing.ErrNoMatchingSignature},
		{"tampered timestamp", func(in *input) { in.ts = strconv.FormatInt(ts+1, 10) }, signing.ErrNoMatchingSignature},
		{"other key", func(in *input) { in.key = otherKey }, signing.ErrNoMatchingSignature},
		{"wrong version", func(in *input) { in.sig = "v2," + strings.TrimPrefix(good, "v1,") }, signing.ErrNoMatchingSignature},
		{"no version", func(in *input) { in.sig = strings.TrimPrefix(good, "v1,") }, signing.ErrNoMatchingSignature},
		{"empty v1", func(in *input) { in.sig = "v1," }, signing.ErrNoMatchingSignature},
		{"truncated", func(in *input) { in.sig = good[:len(good)-1] }, signing.ErrNoMatchingSignature},
		{"missing id", func(in *input) { in.id = "" }, signing.ErrMissingHeaders},
		{"missing timestamp", func(in *input) { in.ts = "" }, signing.ErrMissingHeaders},
		{"missing signature", func(in *input) { in.sig = "" }, signing.ErrMissingHeaders},
		{"timestamp not a number", func(in *input) { in.ts = "17e8" }, signing.ErrInvalidTimestamp},
		{"timestamp in milliseconds", func(in *input) { in.ts = strconv.FormatInt(ts*1000, 10) }, signing.ErrTimestampTooNew},
		{"too old", func(in *input) { in.now = now.Add(5*time.Minute + time.Second) }, signing.ErrTimestampTooOld},
		{"just old enough", func(in *input) { in.now = now.Add(5 * time.Minute) }, nil},
		{"too new", func(in *input) { in.now = now.Add(-5*time.Minute - time.Second) }, signing.ErrTimestampTooNew},
		{"custom tolerance", func(in *input) { in.now = now.Add(time.Hour); in.tolerance = 2 * time.Hour }, nil},
		{"far future timestamp", func(in *input) { in.ts = "9223372036854775807" }, signing.ErrTimestampTooNew},
		{"far past timestamp", func(in *input) { in.ts = "-9223372036854775808" }, signing.ErrTimestampTooOld},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := base
			tc.modify(&in)
			err := signing.Verify(in.key, in.id, in.ts, in.sig, in.body, in.now, in.tolerance)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestVerifyMatchesReference feeds the same tampered requests to Verify and the reference
// library, which must agree.
func TestVerifyMatchesReference(t *testing.T) {
	key, _ := signing.NewKey()
	wh, _ := standardwebhooks.NewWebhook(signing.EncodeKey(key))
	now := time.Now()
	ts := now.Unix()
	body := []byte(`{"a":1}`)
	sig := string(signing.NewSigner(key).Sign(nil, "msg", ts, body))
	for _, tc := range []struct {
		id   string
		ts   int64
		sig  string
		body string
	}{
		{"msg", ts, sig, `{"a":1}`},
		{"msg", ts, sig, `{"a":2}`},
		{"msh", ts, sig, `{"a":1}`},
		{"msg", ts - 1, sig, `{"a":1}`},
		{"msg", ts - 3600, sig, `{"a":1}`},
		{"msg", ts, "v1,AAAA " + sig, `{"a":1}`},
	} {
		refErr := wh.Verify([]byte(tc.body), headers(tc.id, tc.ts, tc.sig))
		ourErr := signing.Verify(key, tc.id, strconv.FormatInt(tc.ts, 10), tc.sig, []byte(tc.body), now, 0)
		if (refErr == nil) != (ourErr == nil) {
			t.Errorf("%+v: reference says %v, Verify says %v", tc, refErr, ourErr)
		}
	}
}

// TestSignAppends checks that Sign appends to dst without disturbing what is there.
func TestSignAppends(t *testing.T) {
	s := signing.NewSigner(mustDecode(t, specKey))
	dst := []byte("prefix ")
	got := s.Sign(dst, specMsgID, specTimestamp, []byte(specBody))
	if string(got) != "prefix "+specSignature {
		t.Fatalf("Sign = %q", got)
	}
}

// TestSignerCopiesKey checks that changing the caller's key slice later does not change the
// signatures.
func TestSignerCopiesKey(t *testing.T) {
	key := mustDecode(t, specKey)
	s := signing.NewSigner(key)
	clear(key)
	if got := s.Sign(nil, specMsgID, specTimestamp, []byte(specBody)); string(got) != specSignature {
		t.Fatalf("Sign after the caller cleared the key = %s", got)
	}
}

// TestSignConcurrent signs from many goroutines at once; run it with -race.
func TestSignConcurrent(t *testing.T) {
	s := signing.NewSigner(mustDecode(t, specKey))
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Go(func() {
			var buf []byte
			for i := 0; i < 500; i++ {
				buf = s.Sign(buf[:0], specMsgID, specTimestamp, []byte(specBody))
				if string(buf) != specSignature {
					t.Errorf("concurrent Sign = %s", buf)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestSignAllocations guards the hot path against allocating. The race detector makes
// sync.Pool drop items on purpose, so the count means nothing under -race.
func TestSignAllocations(t *testing.T) {
	if raceEnabled() {
		t.Skip("sync.Pool drops items under the race detector")
	}
	s := signing.NewSigner(mustDecode(t, specKey))
	body := bytes.Repeat([]byte("x"), 400)
	buf := make([]byte, 0, 64)
	s.Sign(buf, "0193a0b4-7c1e-7000-8000-000000000001", 1_700_000_000, body) // warm the pool
	allocs := testing.AllocsPerRun(1000, func() {
		buf = s.Sign(buf[:0], "0193a0b4-7c1e-7000-8000-000000000001", 1_700_000_000, body)
	})
	if allocs > 0 {
		t.Errorf("Sign allocates %.1f times per call, want 0", allocs)
	}
}

func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

func BenchmarkSign(b *testing.B) {
	key, _ := signing.NewKey()
	s := signing.NewSigner(key)
	body := bytes.Repeat([]byte("a"), 400)
	const msgID = "0193a0b4-7c1e-7000-8000-000000000001:0000090200004BD0000A"
	b.Run("serial", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		buf := make([]byte, 0, 64)
		for b.Loop() {
			buf = s.Sign(buf[:0], msgID, 1_700_000_000, body)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			buf := make([]byte, 0, 64)
			for pb.Next() {
				buf = s.Sign(buf[:0], msgID, 1_700_000_000, body)
			}
		})
	})
}

// BenchmarkSignReference is the reference library's Sign on the same input, for comparison.
func BenchmarkSignReference(b *testing.B) {
	key, _ := signing.NewKey()
	wh, _ := standardwebhooks.NewWebhook(signing.EncodeKey(key))
	body := bytes.Repeat([]byte("a"), 400)
	ts := time.Unix(1_700_000_000, 0)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = wh.Sign("0193a0b4-7c1e-7000-8000-000000000001:0000090200004BD0000A", ts, body)
	}
}

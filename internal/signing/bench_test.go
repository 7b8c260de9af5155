package signing_test

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire/internal/signing"
)

// BenchmarkVerify is a receiver's side of one request, as shiftwire bench's receivers do it
// for every event: the keyed HMAC is built for each call, since a receiver verifies with the
// key of whichever webhook the request is for.
func BenchmarkVerify(b *testing.B) {
	key, _ := signing.NewKey()
	body := bytes.Repeat([]byte("a"), 400)
	const msgID = "msg_0193a0b47c1e70008000000000000001_0000090200004BD0000A"
	now := time.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := string(signing.NewSigner(key).Sign(nil, msgID, now.Unix(), body))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := signing.Verify(key, msgID, ts, sig, body, now, 0); err != nil {
			b.Fatal(err)
		}
	}
}

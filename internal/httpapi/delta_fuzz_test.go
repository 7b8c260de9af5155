package httpapi

import (
	"encoding/base64"
	"testing"
	"time"
)

// FuzzDeltaToken checks that any token either decodes to one that encodes back to the same
// values, or is refused with a 400, never a panic.
func FuzzDeltaToken(f *testing.F) {
	f.Add("eyJEZWx0YUlkIjozMDA4MCwiU3RhcnRpbmdDdXJzb3IiOjQ1NTIyLCJUaW1lU3RhbXAiOiIyMDI1LTAxLTEwVDEzOjMxOjE0LjE2Njk3NjhaIn0=")
	f.Add(deltaToken{DeltaID: 1, StartingCursor: 0, TimeStamp: time.Unix(0, 0).UTC()}.encode())
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"DeltaId":1,"StartingCursor":-1,"TimeStamp":"2025-01-10T13:31:14Z"}`)))
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"DeltaId":1,"StartingCursor":2,"TimeStamp":"2025-01-10T13:31:14Z","x":1}`)))
	f.Add("")
	f.Add("!!")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := parseDeltaToken(s)
		if err != nil {
			return
		}
		if tok.DeltaID < 1 || tok.StartingCursor < 0 {
			t.Fatalf("parseDeltaToken(%q) = %+v, want a refusal", s, tok)
		}
		again, err := parseDeltaToken(tok.encode())
		if err != nil || again.DeltaID != tok.DeltaID || again.StartingCursor != tok.StartingCursor || !again.TimeStamp.Equal(tok.TimeStamp) {
			t.Fatalf("round trip of %+v = %+v, %v", tok, again, err)
		}
	})
}

func TestDeltaTokenProtimeExample(t *testing.T) {
	tok, err := parseDeltaToken("eyJEZWx0YUlkIjozMDA4MCwiU3RhcnRpbmdDdXJzb3IiOjQ1NTIyLCJUaW1lU3RhbXAiOiIyMDI1LTAxLTEwVDEzOjMxOjE0LjE2Njk3NjhaIn0=")
	if err != nil || tok.DeltaID != 30080 || tok.StartingCursor != 45522 || tok.TimeStamp.Year() != 2025 {
		t.Fatalf("Protime's example token = %+v, %v", tok, err)
	}
}

package shiftwire

import "log/slog"

// Secret is a value that must never be printed: a signing key, a client secret, a master key.
// Its String, GoString, LogValue and MarshalText all print "<secret>"; use Reveal to get the
// bytes where they are really needed.
type Secret []byte

const redacted = "<secret>"

func (Secret) String() string   { return redacted }
func (Secret) GoString() string { return redacted }

// LogValue keeps the secret out of slog output.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText keeps the secret out of JSON and any other text encoding.
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Reveal returns the secret's bytes.
func (s Secret) Reveal() []byte { return s }

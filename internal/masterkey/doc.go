// Package masterkey holds the master key that protects Shiftwire's secrets at rest and the
// keys derived from it.
//
// The master key is 32 random bytes, given as standard base64 with --master-key. With SQLite
// and no flag, LoadOrCreate generates one on first start and keeps it beside the database in
// "<db file>.key" (mode 0600), so a dev server works without configuration and a restart
// still opens the webhook keys it sealed. With PostgreSQL the flag is required: every
// instance must hold the same key, and a file on one machine cannot give it to the others.
//
// Two keys are derived from the master key with HKDF-SHA256, each under its own info string
// so that neither can be computed from the other:
//
//   - Box, with info "shiftwire seal v1", encrypts webhook signing keys with AES-256-GCM
//     before a store writes them. A sealed value is a version byte, a random 12-byte nonce
//     and the GCM ciphertext with its tag; the version byte is authenticated too, so the
//     format can change later without ambiguity.
//   - TokenSigningKey, with info "shiftwire token signing v1", is the Ed25519 key that signs
//     access tokens. Deriving it instead of storing it means every instance that shares the
//     master key issues and accepts the same tokens, with nothing more to distribute.
//
// Changing the master key therefore makes every stored webhook key unreadable and every
// issued token invalid.
package masterkey

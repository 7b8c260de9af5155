// Package signing signs and verifies webhook requests as Standard Webhooks
// (https://www.standardwebhooks.com) defines them, so that any Standard Webhooks library
// accepts what Shiftwire sends with the key returned when the webhook was created.
//
// A key is 32 random bytes, shown to clients once as "whsec_" followed by its standard
// base64 encoding. A request carries three headers: webhook-id (the same on every retry of an
// event), webhook-timestamp (Unix seconds of the attempt) and webhook-signature, a
// space-separated list of "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>" entries.
//
// Signing sits on the delivery hot path, so a Signer reuses its HMAC state and appends to a
// caller's buffer instead of allocating; Verify is for receivers and tests.
package signing

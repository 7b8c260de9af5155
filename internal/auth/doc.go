// Package auth issues and verifies the OAuth 2.0 access tokens of the connector API, publishes
// the keys that verify them, and keeps the client secrets and the failure limits of the token
// endpoint.
//
// # Tokens
//
// Clients get tokens through the client credentials grant at /tenants/{tenant}/connect/token,
// as Protime documents. An access token is a JWT (RFC 9068, typ "at+jwt") signed with EdDSA
// (Ed25519) and valid for 1800 seconds, Protime's lifetime. It carries the tenant name in a
// "tenant" claim, the client in "sub" and "client_id", and the granted scopes, space-separated,
// in "scope". Verify rejects a token whose tenant claim is not the tenant of the request, so a
// token of tenant A is never accepted on tenant B, whatever the host it was issued under.
//
// The signing key is not stored: it is derived from the master key (see internal/masterkey),
// so every instance that shares the master key issues and accepts the same tokens and
// publishes the same JSON Web Key Set. Its key id is derived from the public key, so a
// changed master key shows up as an unknown kid rather than a confusing signature failure.
//
// The "iss" claim is the issuer URL the HTTP layer passes to Issue, which is also the issuer
// of the tenant's discovery document. Verify does not compare it, because one tenant may be
// reached under several host names; the signature and the tenant claim are what bind a token.
//
// # External tokens
//
// With --oidc-issuer, Verifier also accepts tokens of an external OpenID provider, located by
// the kid in their header: a kid that is not ours goes to External, which reads the
// provider's discovery document and key set and verifies the token with them. The provider
// must put the Shiftwire tenant name in a "tenant" claim: scopes alone do not say which tenant
// a token is for, and accepting a token on every tenant would break tenant isolation.
// Scopes come from "scope" (space-separated) or "scp" (a string or an array), the client from
// "client_id", "azp" or "sub". The token must list the configured audience in "aud", or a
// token the provider issued for any other application would do, and it must be an access
// token: typed at+jwt (RFC 9068), or typed JWT or not at all and free of the claims only ID
// tokens carry (nonce, at_hash, c_hash, s_hash, auth_time).
//
// The discovery document and the key set decide which tokens are accepted, so they are
// fetched over https only (http is for development), within a 10-second timeout, following
// redirects only on the host a request was sent to.
//
// # Errors
//
// Every verification failure is a *shiftwire.AuthError with reason invalid_token and a
// description meant for the client. Neither it nor any other error of this package ever
// contains a token, a client secret or a key. The one exception to AuthError is an external
// provider whose keys cannot be fetched at all: that is a server-side failure, returned as a
// plain error.
//
// # Secrets and failed attempts
//
// Client secrets are 32 random bytes, shown once and stored only as bcrypt hashes.
// FailureLimiter counts failed token requests per client and source address, so a secret
// cannot be guessed at speed, and per source address whatever the client id (SourceKey), so
// a caller inventing a client id per request cannot buy unlimited bcrypt work. HashChecks
// bounds the bcrypt checks running at once, whoever asks for them.
package auth

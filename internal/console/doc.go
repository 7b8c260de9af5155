// Package console serves the web console at /console/: a few server-rendered pages on which
// the people who run and debug webhooks sign in with a tenant's OAuth client, see the
// tenant's webhooks and their attempts, and ping, retry, resend, re-key or delete them.
//
// The console holds no business rules of its own. It fetches its token from the API's token
// endpoint and performs every read and action by calling the API's http.Handler in process
// with that token, so scopes, tenant isolation and the operations' rules are the API's. It
// reads from the store only what the API does not offer: a webhook's backlog, last success
// and failure rate (Stats) and the backlog history behind each chart (BacklogHistory).
//
// Sessions are sealed cookies (AES-GCM under a key derived from the master key) holding the
// access token, so any instance sharing the master key serves any session and a session ends
// when its token does. Every form carries a CSRF token bound to the session, every page a
// strict Content-Security-Policy; see docs/console.md.
package console

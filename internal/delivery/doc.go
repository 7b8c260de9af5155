// Package delivery carries each change to each subscribed destination: it claims pending
// events, signs and POSTs them, classifies the answer, schedules retries, and disables
// webhooks that expire, are gone or stay unreachable.
//
// The rules of that work are pure functions, tested without a network or a clock:
// Classify turns an HTTP exchange into a Result, NextAttempt computes when a failed event is
// tried again, and ShouldDisable and Expired decide when a webhook stops. SafeDialContext is
// the connect-time half of the SSRF rule: shiftwire.ValidateDestination checks the URL when a
// webhook is created, and the dialer checks the address a host name actually resolves to,
// on every connection.
package delivery

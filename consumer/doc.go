// Package consumer receives Shiftwire webhooks in a Go program: an http.Handler that checks
// each request's Standard Webhooks signature, decodes its events into the collection's Go
// type (a *shiftwire.Clocking for a clockings webhook, a *shiftwire.Absence for absences, ...)
// and passes them, in order, to the program's function, skipping changes older than one
// already applied to the same object.
//
// Delivery is at least once and a webhook's changes can be sent again (a retry after a lost
// answer, a resend, a recovery), so a receiver sees some changes twice and, after a
// duplicate, an older change of an object than it already has. The handler compares each
// event's changeVersion with the newest one applied to its object, kept in a Versions, and
// passes only newer ones; the function's error decides the answer, so a failed change is
// retried by the server.
//
// Keys are the "whsec_..." keys POST /webhooks (and POST /webhooks/{id}/rotate-key) print;
// a handler holds several, so that a rotated key can be added before the old one is dropped.
package consumer

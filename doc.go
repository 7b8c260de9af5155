// Package shiftwire is the vocabulary of Shiftwire, a self-hosted implementation of the
// Protime API webhook system: tenants and their OAuth clients, the collections whose changes
// are recorded in an ordered change log, webhooks that subscribe a destination to one
// collection, and the deliveries that carry each change to each subscriber.
//
// The package holds domain types, errors, pure rules and the Store seam. It depends on the
// standard library only; storage, HTTP, tokens and the delivery engine live under internal/.
package shiftwire

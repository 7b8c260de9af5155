// Package storetest is the conformance suite every shiftwire.Store must pass. Each store's
// own test calls Run with a function that opens a fresh, empty store; the suite then checks
// the behaviour the rest of Shiftwire relies on, against the real database.
package storetest

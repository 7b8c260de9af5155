package shiftwire

// Outcome is how one delivery attempt ended, as the debugging endpoints and the
// shiftwire_delivery_attempts_total metric report it. Only Succeeded ends an event's
// delivery; every other outcome is retried.
type Outcome string

// The delivery outcomes.
const (
	// OutcomeSucceeded is a 2xx answer within the delivery timeout.
	OutcomeSucceeded Outcome = "Succeeded"
	// OutcomeFailed is any other answer, redirects included, since they are not followed.
	OutcomeFailed Outcome = "Failed"
	// OutcomeTimedOut is no complete answer within the delivery timeout.
	OutcomeTimedOut Outcome = "TimedOut"
	// OutcomeConnectionFailed is no answer at all: the name did not resolve, the connection
	// was refused or reset, TLS failed, or the address is not an allowed destination.
	OutcomeConnectionFailed Outcome = "ConnectionFailed"
)

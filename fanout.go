package shiftwire

// Receives reports whether webhook w receives change c: the fan-out rule, decided here once
// for every store. An enabled webhook of the change's collection receives every change
// committed after its creation and before its validUntil.
func (w *Webhook) Receives(c *Change) bool {
	return w.Status == WebhookEnabled && w.Collection == c.Collection &&
		w.CreatedAfter < c.Version && w.ValidUntil.After(c.CommittedAt)
}

// QueuedDelivery is one row a commit adds to the delivery queue: change Version of object
// ObjectID, on its way to webhook WebhookID, due at once.
type QueuedDelivery struct {
	WebhookID string
	Version   ChangeVersion
	ObjectID  int64
}

// FanOut returns the deliveries that the changes of one commit queue: one per change and
// webhook that Receives it, in change order. Stores call it inside the writing transaction
// with the webhooks of the changes' collections, so a change is queued exactly when it
// commits.
func FanOut(webhooks []*Webhook, changes []*Change) []QueuedDelivery {
	var out []QueuedDelivery
	for _, c := range changes {
		for _, w := range webhooks {
			if w.Receives(c) {
				out = append(out, QueuedDelivery{WebhookID: w.ID, Version: c.Version, ObjectID: c.ObjectID})
			}
		}
	}
	return out
}

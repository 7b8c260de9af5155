package delivery

import (
	"context"
	"encoding/json"

	"github.com/shiftwire/shiftwire"
)

// renderEvents renders the events of deliveries, all of one webhook, in order: each is
// Protime's delta item {"changeType":...,"data":{"changeVersion":...,...}}, with the webhook's
// external references added to InsertOrUpdate data as they are now.
func (e *Engine) renderEvents(ctx context.Context, hook *shiftwire.Webhook, ds []*shiftwire.Delivery) ([][]byte, error) {
	datas := make([]json.RawMessage, len(ds))
	var upserts []json.RawMessage
	var upsertAt []int
	for i, d := range ds {
		if d.Type == shiftwire.Delete || d.Data == nil {
			datas[i] = shiftwire.WithChangeVersion(shiftwire.DeleteData(d.ObjectID), d.Version)
			continue
		}
		datas[i] = shiftwire.WithChangeVersion(d.Data, d.Version)
		upserts = append(upserts, datas[i])
		upsertAt = append(upsertAt, i)
	}
	if len(hook.ExternalReferences) > 0 && len(upserts) > 0 && e.addRefs != nil {
		withRefs, err := e.addRefs(ctx, e.store, hook.TenantID, hook.Collection, hook.ExternalReferences, upserts)
		if err != nil {
			return nil, err
		}
		for j, i := range upsertAt {
			datas[i] = withRefs[j]
		}
	}
	events := make([][]byte, len(ds))
	for i, d := range ds {
		ev := make([]byte, 0, len(datas[i])+48)
		ev = append(ev, `{"changeType":"`...)
		ev = append(ev, d.Type...)
		ev = append(ev, `","data":`...)
		ev = append(ev, datas[i]...)
		events[i] = append(ev, '}')
	}
	return events, nil
}

// requestBody is one event alone, or {"value":[...]} in batch mode.
func requestBody(events [][]byte, batch bool) []byte {
	if !batch {
		return events[0]
	}
	n := 12
	for _, ev := range events {
		n += len(ev) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, `{"value":[`...)
	for i, ev := range events {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, ev...)
	}
	return append(b, "]}"...)
}

// messageID is the webhook-id header: unique per event and webhook and the same on every
// retry, so receivers can drop duplicates. A batch is named by its first and last change and
// its size.
func messageID(hook *shiftwire.Webhook, ds []*shiftwire.Delivery) string {
	b := make([]byte, 0, 80)
	b = append(b, "msg_"...)
	for i := 0; i < len(hook.ID); i++ {
		if hook.ID[i] != '-' {
			b = append(b, hook.ID[i])
		}
	}
	b = append(b, '_')
	b = ds[0].Version.AppendTo(b)
	if len(ds) > 1 {
		b = append(b, '_')
		b = ds[len(ds)-1].Version.AppendTo(b)
		b = append(b, '_')
		b = append(b, itoa(len(ds))...)
	}
	return string(b)
}

func itoa(n int) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(buf[i:])
		}
	}
}

package consumer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/shiftwire/shiftwire"
)

// Ping is the change type of the request POST /webhooks/{id}/ping sends. It carries no
// object; the handler answers it without calling Apply.
const Ping shiftwire.ChangeType = "Ping"

// Event is one change of one object, as a webhook delivers it (Protime's delta item
// {"changeType":...,"data":{"changeVersion":...,"id":...,...}}), decoded.
type Event struct {
	// MessageID is the request's webhook-id header: the same on every retry and resend of
	// the request. A batch's events share it.
	MessageID string
	// ChangeType is InsertOrUpdate or Delete (or Ping, which Apply never sees).
	ChangeType shiftwire.ChangeType
	// Collection is the webhook's collection, such as "clockings".
	Collection string
	// ID is the object's id.
	ID int64
	// ChangeVersion orders the changes of one object; a larger one is newer.
	ChangeVersion shiftwire.ChangeVersion
	// Object is the object as the change left it, of the collection's Go type (a
	// *shiftwire.Clocking for clockings); nil for a Delete. Clockings are never deleted: a
	// deleted clocking is an InsertOrUpdate with status Deleted.
	Object shiftwire.Record
	// Data is the event's data member as it arrived: the object with its changeVersion and
	// the external references the webhook selected, which Object does not hold.
	Data json.RawMessage
}

// rawEvent is an event as it arrives, before its data is decoded.
type rawEvent struct {
	ChangeType *string         `json:"changeType"`
	Data       json.RawMessage `json:"data"`
	// Value is a batch: {"value":[event,...]} for a webhook created with ?batchSize=N.
	Value json.RawMessage `json:"value"`
	// LifecycleEvent marks a lifecycle notification, which is not an event.
	LifecycleEvent json.RawMessage `json:"lifecycleEvent"`
}

// eventData is what every event's data holds besides the object's fields.
type eventData struct {
	ID            *int64  `json:"id"`
	ChangeVersion *string `json:"changeVersion"`
}

// Decode decodes a request body of a webhook of collection: one event, or a batch
// {"value":[...]} in changeVersion order. Decode does not verify the signature; call it
// only on a body whose signature was verified, as the handler does.
//
// An error says what is wrong and where: the byte at which the JSON stopped, the event of a
// batch, the member.
func Decode(collection string, body []byte) ([]Event, error) {
	t, err := shiftwire.SubscribableCollection(collection)
	if err != nil {
		return nil, fmt.Errorf("collection %q: not a collection webhooks subscribe to", collection)
	}
	return decodeBody(t, body)
}

// decodeBody is Decode for a known collection.
func decodeBody(t *shiftwire.CollectionType, body []byte) ([]Event, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("body: empty, want a JSON event")
	}
	var raw rawEvent
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("body: %w", jsonError(err, len(body)))
	}
	if raw.LifecycleEvent != nil {
		return nil, errNotice
	}
	if raw.Value == nil {
		ev, err := decodeEvent(t, raw)
		if err != nil {
			return nil, err
		}
		return []Event{ev}, nil
	}
	if raw.ChangeType != nil || raw.Data != nil {
		return nil, errors.New("body: both an event and a batch (value)")
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw.Value, &items); err != nil || len(items) == 0 {
		return nil, errors.New("value: want a non-empty array of events")
	}
	events := make([]Event, 0, len(items))
	for i, item := range items {
		var r rawEvent
		err := json.Unmarshal(item, &r)
		if err == nil && (r.Value != nil || r.LifecycleEvent != nil) {
			err = errors.New("not an event")
		}
		var ev Event
		if err == nil {
			ev, err = decodeEvent(t, r)
		}
		if err != nil {
			return nil, fmt.Errorf("value[%d]: %w", i, err)
		}
		events = append(events, ev)
	}
	return events, nil
}

// decodeEvent decodes one event's data into its collection's Go type.
func decodeEvent(t *shiftwire.CollectionType, raw rawEvent) (Event, error) {
	if raw.ChangeType == nil {
		return Event{}, errors.New("changeType: missing")
	}
	ev := Event{ChangeType: shiftwire.ChangeType(*raw.ChangeType), Collection: t.Name, Data: raw.Data}
	switch ev.ChangeType {
	case shiftwire.InsertOrUpdate, shiftwire.Delete, Ping:
	default:
		return Event{}, fmt.Errorf("changeType: %q, want InsertOrUpdate, Delete or Ping", *raw.ChangeType)
	}
	if len(raw.Data) == 0 || raw.Data[0] != '{' {
		return Event{}, errors.New("data: missing, or not an object")
	}
	if ev.ChangeType == Ping {
		return ev, nil
	}
	var d eventData
	if err := json.Unmarshal(raw.Data, &d); err != nil {
		return Event{}, fmt.Errorf("data: %w", jsonError(err, len(raw.Data)))
	}
	switch {
	case d.ID == nil:
		return Event{}, errors.New("data.id: missing")
	case *d.ID < 1:
		return Event{}, fmt.Errorf("data.id: %d, want a positive id", *d.ID)
	case d.ChangeVersion == nil:
		return Event{}, errors.New("data.changeVersion: missing")
	}
	v, err := shiftwire.ParseChangeVersion(*d.ChangeVersion)
	if err != nil {
		return Event{}, fmt.Errorf("data.changeVersion: %w", err)
	}
	ev.ID, ev.ChangeVersion = *d.ID, v
	if ev.ChangeType == shiftwire.Delete {
		return ev, nil
	}
	obj := t.New()
	if err := json.Unmarshal(raw.Data, obj); err != nil {
		return Event{}, fmt.Errorf("data: not a %s object: %w", t.Name, jsonError(err, len(raw.Data)))
	}
	ev.Object = obj
	return ev, nil
}

// jsonError says where decoding stopped: a truncated body and an empty one are different
// problems.
func jsonError(err error, size int) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax) && syntax.Offset >= int64(size):
		return fmt.Errorf("the JSON ends early, after %d bytes (truncated?)", size)
	case errors.As(err, &syntax):
		return fmt.Errorf("invalid JSON at byte %d of %d: %v", syntax.Offset, size, err)
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Errorf("%s: a JSON %s, want %s", typ.Field, typ.Value, typ.Type)
	case errors.As(err, &typ):
		return fmt.Errorf("a JSON %s, want %s", typ.Value, typ.Type)
	}
	return err
}

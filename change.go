package shiftwire

import (
	"encoding/json"
	"time"
)

// ChangeType is the kind of change of a change-log entry and of an event: Protime's delta
// item changeType.
type ChangeType string

// The change types.
const (
	InsertOrUpdate ChangeType = "InsertOrUpdate"
	Delete         ChangeType = "Delete"
)

// Change is one entry of the change log: one object of one collection as one committed
// write left it.
type Change struct {
	TenantID    int64
	Version     ChangeVersion
	Collection  string
	ObjectID    int64
	Type        ChangeType
	Data        json.RawMessage // the object's JSON without changeVersion; nil for Delete
	CommittedAt time.Time
}

// WithChangeVersion returns data, a JSON object, with changeVersion as its first member, the
// way Protime's delta items and events show it. A Delete carries only id and changeVersion.
func WithChangeVersion(data json.RawMessage, v ChangeVersion) json.RawMessage {
	out := make([]byte, 0, len(data)+40)
	out = append(out, `{"changeVersion":"`...)
	out = v.AppendTo(out)
	out = append(out, '"')
	rest := data
	for len(rest) > 0 && rest[0] != '{' {
		rest = rest[1:]
	}
	if len(rest) > 1 {
		rest = rest[1:] // after '{'
		i := 0
		for i < len(rest) && (rest[i] == ' ' || rest[i] == '\n' || rest[i] == '\t' || rest[i] == '\r') {
			i++
		}
		if i < len(rest) && rest[i] != '}' {
			out = append(out, ',')
		}
		return append(out, rest...)
	}
	return append(out, '}')
}

// DeleteData is the data of a Delete change: the id alone.
func DeleteData(id int64) json.RawMessage {
	b := append([]byte(`{"id":`), itoa64(id)...)
	return append(b, '}')
}

func itoa64(n int64) string {
	if n < 0 {
		return "-" + itoa(int(-n))
	}
	return itoa(int(n))
}

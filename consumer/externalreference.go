package consumer

import (
	"encoding/json"
	"strconv"
)

// ExternalReferences returns the external references the webhook selected
// (?externalReferences=... at its creation), as they were when the event was sent, keyed by
// where they are in the event's data: "person" for those of data.person,
// "activityLevels[0].activityDefinition" for an activity level's definition, "" for the
// object's own (data.externalReferences, such as a contract's HRCODE). Each value maps a
// reference's name (@badge-number, HRMID) to its value. It returns nil when the event holds
// none; the collection's Go types do not hold them, which is why they are read from Data.
func (ev Event) ExternalReferences() map[string]map[string]string {
	var data any
	if json.Unmarshal(ev.Data, &data) != nil {
		return nil
	}
	var out map[string]map[string]string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for name, member := range v {
				if refs, ok := member.(map[string]any); ok && name == "externalReferences" {
					if out == nil {
						out = map[string]map[string]string{}
					}
					out[path] = map[string]string{}
					for ref, value := range refs {
						if s, ok := value.(string); ok {
							out[path][ref] = s
						}
					}
					continue
				}
				if path == "" {
					walk(name, member)
				} else {
					walk(path+"."+name, member)
				}
			}
		case []any:
			for i, item := range v {
				walk(path+"["+strconv.Itoa(i)+"]", item)
			}
		}
	}
	walk("", data)
	return out
}

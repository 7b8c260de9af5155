package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
)

// attemptDetailJSON is one attempt with its request and response, as the API shows it.
type attemptDetailJSON struct {
	attemptJSON
	Request struct {
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"request"`
	Response struct {
		Body string `json:"body"`
	} `json:"response"`
}

// header is one request header, for a table in name order.
type header struct{ Name, Value string }

// attemptPage is one attempt's page.
type attemptPage struct {
	WebhookID    string
	Enabled      bool
	Attempt      attemptJSON
	Headers      []header
	RequestBody  string
	ResponseBody string
	CanWrite     bool
}

// attempt serves GET /console/webhooks/{id}/attempts/{attempt}: what was sent and what came
// back, bodies indented when they are JSON.
func (c *Console) attempt(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	var hook webhookJSON
	if err := c.apiCall(r, s, http.MethodGet, webhookPath(id), &hook); err != nil {
		return err
	}
	var a attemptDetailJSON
	if err := c.apiCall(r, s, http.MethodGet, webhookPath(id, "deliveries", r.PathValue("attempt")), &a); err != nil {
		return err
	}
	p := attemptPage{
		WebhookID:    hook.ID,
		Enabled:      hook.Status == "Enabled",
		Attempt:      a.attemptJSON,
		RequestBody:  requestBody(a.Request.Body),
		ResponseBody: indented([]byte(a.Response.Body)),
		CanWrite:     s.CanWrite(),
	}
	for name, value := range a.Request.Headers {
		p.Headers = append(p.Headers, header{name, value})
	}
	slices.SortFunc(p.Headers, func(a, b header) int { return compareFold(a.Name, b.Name) })
	c.render(w, http.StatusOK, "attempt", s, c.takeFlash(w, r), p)
	return nil
}

// requestBody returns the request body the API shows: indented JSON, or, when the API shows
// it as a JSON string because it was not JSON, that string.
func requestBody(b json.RawMessage) string {
	var str string
	if json.Unmarshal(b, &str) == nil {
		return str
	}
	return indented(b)
}

// indented returns b indented when it is JSON, as it came otherwise.
func indented(b []byte) string {
	var buf bytes.Buffer
	if json.Indent(&buf, b, "", "  ") == nil {
		return buf.String()
	}
	return string(b)
}

// compareFold orders header names without regard to case.
func compareFold(a, b string) int {
	return bytes.Compare(bytes.ToLower([]byte(a)), bytes.ToLower([]byte(b)))
}

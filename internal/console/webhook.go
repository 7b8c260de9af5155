package console

import (
	"net/http"
	"net/url"
	"slices"
	"time"
)

// attemptJSON is an attempt as the API's debugging endpoints show it.
type attemptJSON struct {
	ID                     string   `json:"id"`
	AttemptedAt            string   `json:"attemptedAt"`
	DurationInMilliseconds int64    `json:"durationInMilliseconds"`
	StatusCode             int      `json:"statusCode"`
	Outcome                string   `json:"outcome"`
	Error                  string   `json:"error"`
	ChangeVersions         []string `json:"changeVersions"`
	Attempt                int      `json:"attempt"`
	NextAttemptAt          string   `json:"nextAttemptAt"`
}

// outcomes are the attempt outcomes the attempts can be filtered by, as the API names them.
var outcomes = []string{"Succeeded", "Failed", "TimedOut", "ConnectionFailed"}

// webhookPage is one webhook's page: the webhook, its attempts and its backlog chart.
type webhookPage struct {
	Webhook  webhookView
	Attempts []attemptJSON
	Outcome  string   // the filter, "" for every outcome
	Outcomes []string // the filter's choices
	Next     string   // the continuation token of older attempts
	Chart    chart
	CanWrite bool
	LiveURL  string // where the live updates fetch the rows from; "" past the first page
}

// attemptsQuery reads the outcome filter and page of a webhook's attempts from the URL and
// returns the API path that lists them.
func attemptsQuery(r *http.Request, id string) (path, outcome, page string, err error) {
	q := r.URL.Query()
	outcome, page = q.Get("outcome"), q.Get("page")
	api := url.Values{}
	if outcome != "" {
		if !slices.Contains(outcomes, outcome) {
			return "", "", "", &pageError{Status: http.StatusBadRequest, Message: "The outcome filter is one of Succeeded, Failed, TimedOut and ConnectionFailed."}
		}
		api.Set("filter", "outcome eq '"+outcome+"'")
	}
	if page != "" {
		api.Set("continuationToken", page)
	}
	path = webhookPath(id, "deliveries")
	if len(api) > 0 {
		path += "?" + api.Encode()
	}
	return path, outcome, page, nil
}

// attemptList is the API's list of attempts.
type attemptList struct {
	Value    []attemptJSON `json:"value"`
	NextLink string        `json:"nextLink"`
}

// next is the continuation token of the list's next page.
func (l *attemptList) next() string {
	if u, err := url.Parse(l.NextLink); err == nil && l.NextLink != "" {
		return u.Query().Get("continuationToken")
	}
	return ""
}

// webhook serves GET /console/webhooks/{id}: the webhook, its attempts newest first, and
// the backlog of the last hour. Another tenant's webhook is the API's 404.
func (c *Console) webhook(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	var hook webhookJSON
	if err := c.apiCall(r, s, http.MethodGet, webhookPath(id), &hook); err != nil {
		return err
	}
	path, outcome, page, err := attemptsQuery(r, id)
	if err != nil {
		return err
	}
	var list attemptList
	if err := c.apiCall(r, s, http.MethodGet, path, &list); err != nil {
		return err
	}
	views, err := c.webhookViews(r, s, []webhookJSON{hook})
	if err != nil {
		return err
	}
	p := webhookPage{
		Webhook:  views[0],
		Attempts: list.Value,
		Outcome:  outcome,
		Outcomes: outcomes,
		Next:     list.next(),
		CanWrite: s.CanWrite(),
	}
	if page == "" {
		p.LiveURL = "/console/webhooks/" + url.PathEscape(id) + "/attempts"
		if outcome != "" {
			p.LiveURL += "?" + url.Values{"outcome": {outcome}}.Encode()
		}
	}
	now := c.now()
	if c.history != nil {
		p.Chart = newChart(c.history.Series(hook.ID, now.Add(-time.Hour)), views[0].Stats.Backlog, views[0].HasStats, now, time.Hour)
	}
	c.render(w, http.StatusOK, "webhook", s, c.takeFlash(w, r), p)
	return nil
}

// attemptRows serves GET /console/webhooks/{id}/attempts: the rows of the attempts table
// alone, which the page's script fetches every few seconds so new attempts appear without a
// reload.
func (c *Console) attemptRows(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	path, outcome, _, err := attemptsQuery(r, id)
	if err != nil {
		return err
	}
	var list attemptList
	if err := c.apiCall(r, s, http.MethodGet, path, &list); err != nil {
		return err
	}
	hook := webhookView{webhookJSON: webhookJSON{ID: id}}
	c.renderTemplate(w, http.StatusOK, "webhook", "rows", c.view(s, nil, webhookPage{Webhook: hook, Attempts: list.Value, Outcome: outcome}))
	return nil
}

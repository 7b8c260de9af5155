package console

import (
	"net/http"
	"net/url"
	"time"

	"github.com/shiftwire/shiftwire"
)

// webhookJSON is a webhook as the API shows it.
type webhookJSON struct {
	ID             string `json:"id"`
	ValidUntil     string `json:"validUntil"`
	Status         string `json:"status"`
	DestinationURL string `json:"destinationUrl"`
	CollectionName string `json:"collectionName"`
	BatchSize      int    `json:"batchSize"`
	DisabledReason string `json:"disabledReason"`
}

// webhookView is a webhook with what the console adds to it.
type webhookView struct {
	webhookJSON
	ValidUntilTime time.Time
	DaysLeft       string
	Enabled        bool
	HasStats       bool
	Stats          shiftwire.WebhookStats
	LastSuccess    string // how long ago
	FailureRate    string // "" when there were no recent attempts
}

// webhooksPage is the list's data.
type webhooksPage struct {
	Webhooks []webhookView
	Next     string // the continuation token of the next page, "" on the last
}

// webhooks serves GET /console/webhooks: the tenant's webhooks, a page of the API's list
// at a time, with their stats.
func (c *Console) webhooks(w http.ResponseWriter, r *http.Request, s *session) error {
	path := apiBase + "webhooks"
	if tok := r.URL.Query().Get("page"); tok != "" {
		path += "?" + url.Values{"continuationToken": {tok}}.Encode()
	}
	var list struct {
		Value    []webhookJSON `json:"value"`
		NextLink string        `json:"nextLink"`
	}
	if err := c.apiCall(r, s, http.MethodGet, path, &list); err != nil {
		return err
	}
	views, err := c.webhookViews(r, s, list.Value)
	if err != nil {
		return err
	}
	p := webhooksPage{Webhooks: views}
	if list.NextLink != "" {
		if u, err := url.Parse(list.NextLink); err == nil {
			p.Next = u.Query().Get("continuationToken")
		}
	}
	c.render(w, http.StatusOK, "webhooks", s, c.takeFlash(w, r), p)
	return nil
}

// webhookViews adds the days left and the stats to the webhooks the API returned.
func (c *Console) webhookViews(r *http.Request, s *session, hooks []webhookJSON) ([]webhookView, error) {
	now := c.now()
	views := make([]webhookView, len(hooks))
	ids := make([]string, len(hooks))
	for i, h := range hooks {
		v := webhookView{webhookJSON: h, Enabled: h.Status == string(shiftwire.WebhookEnabled)}
		if t, err := time.Parse(time.RFC3339, h.ValidUntil); err == nil {
			v.ValidUntilTime = t
			v.DaysLeft = daysLeft(now, t)
		}
		views[i], ids[i] = v, h.ID
	}
	if c.stats == nil || len(hooks) == 0 {
		return views, nil
	}
	// The ids are the ones the API answered for this session's token, so they are the
	// tenant's; the stores check the tenant again.
	tenant, err := c.stats.TenantByName(r.Context(), s.Tenant)
	if err != nil {
		return nil, err
	}
	stats, err := c.stats.WebhookStats(r.Context(), tenant.ID, ids, now.Add(-Recent))
	if err != nil {
		return nil, err
	}
	loc := tenant.Location()
	for i := range views {
		st := stats[views[i].ID]
		st.LastSuccessAt = st.LastSuccessAt.In(loc)
		views[i].HasStats, views[i].Stats = true, st
		views[i].LastSuccess = ago(now, st.LastSuccessAt)
		if rate, ok := st.FailureRate(); ok {
			views[i].FailureRate = percent(rate)
		}
	}
	return views, nil
}

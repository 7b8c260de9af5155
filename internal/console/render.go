package console

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"strings"
	"time"
)

// view is what every page template gets: the session (nil on the sign-in page), the CSRF
// token of its forms, the message of the last action, and the page's own data.
type view struct {
	Session *session
	CSRF    string
	Flash   *flash
	Page    any
}

// parsePages parses each page template of templates/ together with the layout, so every page
// defines its own "title" and "content".
func parsePages() (map[string]*template.Template, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(assets, name)
		if err != nil {
			return nil, err
		}
		pages[base] = t
	}
	return pages, nil
}

// render writes the page name with status. Pages are rendered into a buffer first, so a
// template failure becomes an error page instead of half a page.
func (c *Console) render(w http.ResponseWriter, status int, name string, s *session, f *flash, page any) {
	c.renderTemplate(w, status, name, "layout.html", c.view(s, f, page))
}

// view returns the view of a page for session s, whose forms carry its CSRF token.
func (c *Console) view(s *session, f *flash, page any) view {
	v := view{Session: s, Flash: f, Page: page}
	if s != nil {
		v.CSRF = c.seal.csrfToken(s.ID)
	}
	return v
}

// renderTemplate writes the template tmpl of the page name: the whole page, or one part of
// it such as the attempts' rows that the live updates fetch.
func (c *Console) renderTemplate(w http.ResponseWriter, status int, name, tmpl string, v view) {
	var buf bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&buf, tmpl, v); err != nil {
		c.log.Error("console template failed", "page", name, "err", err)
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// funcs are the helpers the templates format values with.
var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.Format("2006-01-02 15:04:05 -07:00")
	},
	"stamp": stamp,
}

// stamp writes a time the API gave (ISO 8601 in the tenant's offset, with milliseconds) for
// reading: the date, the time to the millisecond, and the offset. Anything else is shown as
// it came.
func stamp(iso string) string {
	t, err := time.Parse(time.RFC3339Nano, iso)
	if err != nil {
		return iso
	}
	return t.Format("2006-01-02 15:04:05.000 -07:00")
}

// percent writes a rate between 0 and 1 as a whole percentage.
func percent(rate float64) string { return fmt.Sprintf("%.0f %%", math.Round(rate*100)) }

// ago says how long before now t was, in the largest unit that fits.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	default:
		return fmt.Sprintf("%d days ago", int(d.Hours()/24))
	}
}

// daysLeft says how long a webhook has before it expires, in whole days rounded down, as the
// time to plan its successor.
func daysLeft(now, until time.Time) string {
	d := until.Sub(now)
	switch {
	case d <= 0:
		return "expired"
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h left", int(d.Hours()))
	case d < 48*time.Hour:
		return "1 day left"
	default:
		return fmt.Sprintf("%d days left", int(d.Hours()/24))
	}
}

package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/shiftwire/shiftwire"
)

// chromiumPath finds a Chromium or Chrome to drive. Without one the browser test is skipped,
// unless SHIFTWIRE_TEST_BROWSER=required (as in CI), when it fails.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("SHIFTWIRE_TEST_BROWSER") == "required" {
		t.Fatal("no Chromium found on PATH and SHIFTWIRE_TEST_BROWSER=required: install Debian's chromium package")
	}
	t.Skip("no Chromium found on PATH; install Debian's chromium package, or set SHIFTWIRE_TEST_BROWSER=required to fail instead")
	return ""
}

// heldDestination answers 200 with a small JSON body; while held, requests wait until it is
// released, so a test can see an attempt appear after a page has loaded.
type heldDestination struct {
	*httptest.Server
	held     atomic.Bool
	release  chan struct{}
	once     sync.Once
	received atomic.Int64
}

func newHeldDestination(t *testing.T) *heldDestination {
	d := &heldDestination{release: make(chan struct{})}
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if d.held.Load() {
			select {
			case <-d.release:
			case <-r.Context().Done():
				return
			}
		}
		d.received.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"accepted":true}`)
	}))
	t.Cleanup(func() { d.open(); d.Close() })
	return d
}

// open lets every waiting and later request through.
func (d *heldDestination) open() { d.once.Do(func() { close(d.release) }) }

// browserContext starts a headless Chromium for the test, with a fresh profile and nothing
// that reaches the network by itself, and bounds everything it does by limit.
func browserContext(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	return browser
}

// must fails the test on err, naming the step.
func must(t *testing.T, step string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// TestConsoleInBrowser drives the console in a real headless Chromium against a real serve:
// sign in with the keyboard, see a webhook, open an attempt, resend it and see the new
// attempt appear without a reload; a read-only client sees no action buttons; and on a
// phone's width nothing overflows. With SHIFTWIRE_CONSOLE_SCREENSHOT=path it saves the
// webhook's page there (docs/console.png is made so).
func TestConsoleInBrowser(t *testing.T) {
	chromiumPath(t)
	db := tempDB(t)
	createTenant(t, db, "acme", shiftwire.DefaultTimeZone)
	// Every scope, as the dev client has: the largest token, which must still fit the cookie
	// the browser keeps.
	operator := addClient(t, db, "acme", shiftwire.AllScopes()...)
	viewer := addClient(t, db, "acme", shiftwire.ScopeWebhooksRead, shiftwire.ReadScope(shiftwire.BreakDefinitions))
	srv := startServer(t, db, "--allow-private-destinations", "--allow-insecure-destinations")
	dest := newHeldDestination(t)

	body, _ := json.Marshal(map[string]string{"destinationUrl": dest.URL + "/shiftwire/break-definitions", "collectionName": shiftwire.BreakDefinitions})
	resp := srv.call(operator, http.MethodPost, "/connector/protimeapi/api/v1/webhooks", string(body))
	resp.wantStatus(t, http.StatusCreated)
	var hook struct{ ID string }
	json.Unmarshal(resp.body, &hook)
	writeBreakDefinitions(t, srv, srv.token(operator), 0, []int64{1, 2, 3})
	waitFor(t, 10*time.Second, "three recorded attempts", func() bool {
		resp := srv.call(operator, http.MethodGet, "/connector/protimeapi/api/v1/webhooks/"+hook.ID+"/deliveries", "")
		return strings.Count(string(resp.body), `"outcome":"Succeeded"`) == 3
	})

	ctx := browserContext(t, 90*time.Second)
	base := "http://" + srv.addr
	hookPath := "/console/webhooks/" + hook.ID
	rows := chromedp.CSS("#attempt-rows tr.attempt")
	countRows := func() int {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#attempt-rows tr.attempt").length`))
		must(t, "counting the attempts", err)
		return n
	}

	// Sign in with the keyboard: type into the labelled fields, Enter submits.
	must(t, "sign in", chromedp.Do(ctx,
		chromedp.Navigate(base+"/console/"),
		chromedp.WaitVisible(chromedp.ID("tenant")),
		chromedp.SendKeys(chromedp.ID("tenant"), "acme"),
		chromedp.SendKeys(chromedp.ID("client_id"), operator.ClientID),
		chromedp.SendKeys(chromedp.ID("client_secret"), operator.ClientSecret+"\r"),
		chromedp.WaitVisible(chromedp.CSS("table.hooks")),
	))
	list, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("table.hooks")))
	must(t, "reading the webhooks", err)
	if !strings.Contains(list, dest.URL+"/shiftwire/break-definitions") || !strings.Contains(list, "Enabled") {
		t.Fatalf("the webhooks page shows:\n%s", list)
	}

	// See the webhook and its attempts, then open the newest.
	must(t, "open the webhook", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="`+hookPath+`"]`)),
		chromedp.WaitVisible(rows),
		chromedp.WaitVisible(chromedp.CSS("figure.chart svg")),
	))
	if n := countRows(); n != 3 {
		t.Fatalf("the webhook page lists %d attempts, want 3", n)
	}
	must(t, "open an attempt", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#attempt-rows tr.attempt a")),
		chromedp.WaitVisible(chromedp.ID("response-status")),
	))
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("response-status")))
	must(t, "reading the attempt", err)
	request, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("request-body")))
	must(t, "reading the request", err)
	if status != "200" || !strings.Contains(request, `"changeType": "InsertOrUpdate"`) {
		t.Fatalf("the attempt page shows status %q and request %q", status, request)
	}

	// Resend it while the destination holds requests: the new attempt is recorded after
	// the webhook's page has loaded, and must appear there without a reload.
	dest.held.Store(true)
	must(t, "resend", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action$="/resend"] button`)),
		chromedp.WaitVisible(chromedp.CSS("p.flash.ok")),
		chromedp.WaitVisible(rows),
	))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, hookPath) {
		t.Fatalf("after resend the browser is at %s, want the webhook's page", loc)
	}
	if n := countRows(); n != 3 {
		t.Fatalf("before the destination answers, the page lists %d attempts, want 3", n)
	}
	must(t, "mark the page", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.consoleTestMark = "still this page"`)))
	dest.open()
	must(t, "the new attempt appears", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#attempt-rows tr.attempt:nth-child(4)"))))
	mark, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.consoleTestMark || "reloaded"`))
	must(t, "reading the mark", err)
	if mark != "still this page" {
		t.Fatal("the page was reloaded to show the new attempt")
	}
	if path := os.Getenv("SHIFTWIRE_CONSOLE_SCREENSHOT"); path != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		must(t, "screenshot", err)
		must(t, "saving the screenshot", os.WriteFile(path, png, 0o644))
	}

	// On a phone's width the page fits: nothing scrolls sideways.
	must(t, "phone width", chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(rows)))
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
	must(t, "measuring the page", err)
	if overflow > 0 {
		t.Errorf("on a 390 px wide screen the webhook's page is %d px too wide", overflow)
	}
	must(t, "desktop width", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)))

	// A read-only client sees the same pages without a single action.
	must(t, "sign out", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("form.signout button")),
		chromedp.WaitVisible(chromedp.ID("client_id")),
		chromedp.SendKeys(chromedp.ID("tenant"), "acme"),
		chromedp.SendKeys(chromedp.ID("client_id"), viewer.ClientID),
		chromedp.SendKeys(chromedp.ID("client_secret"), viewer.ClientSecret+"\r"),
		chromedp.WaitVisible(chromedp.CSS("table.hooks")),
	))
	for _, path := range []string{hookPath, ""} {
		if path == "" { // the newest attempt's page, reached from the webhook's
			must(t, "open an attempt as the viewer", chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS("#attempt-rows tr.attempt a")),
				chromedp.WaitVisible(chromedp.ID("response-status"))))
		} else {
			must(t, "open the webhook as the viewer", chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitVisible(rows)))
		}
		buttons, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("section.actions button, form[action*='/ping'], form[action$='/resend'], form[action$='/delete']").length`))
		must(t, "counting the actions", err)
		if buttons != 0 {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			t.Errorf("a read-only client sees %d action buttons on %s", buttons, loc)
		}
	}
}

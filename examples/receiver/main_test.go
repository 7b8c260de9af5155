package main

import (
	"bytes"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// env is a fake environment: the machine's WEBHOOK_KEY cannot change a test's outcome.
type env map[string]string

func (e env) get(name string) string { return e[name] }

// testKey is a key as POST /webhooks prints one.
const testKey = "whsec_j3Flbv7agIItGYj3VIQtTdw0Xpg5H0dCDceXXQwixJY="

func TestSetupSaysWhatToFix(t *testing.T) {
	for _, tc := range []struct {
		key, want string
	}{
		{"", "WEBHOOK_KEY is not set: set it to the key POST /webhooks answered"},
		{"whsec_...", "WEBHOOK_KEY: the key is not a whsec_ key as printed by webhook creation: whsec_... is a placeholder"},
		{"j3Flbv7agIItGYj3VIQtTdw0Xpg5H0dCDceXXQwixJY=", "it must start with whsec_"},
		{testKey + " whsec_abc", "key 2 of 2"},
	} {
		_, _, err := setup(nil, env{"WEBHOOK_KEY": tc.key}.get, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("WEBHOOK_KEY=%q: %v, want an error saying %q", tc.key, err, tc.want)
		}
	}
	getenv := env{"WEBHOOK_KEY": testKey}.get
	if _, _, err := setup([]string{"-collection", "payslips"}, getenv, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "payslips") {
		t.Errorf("an unknown collection: %v", err)
	}
	var help bytes.Buffer
	if _, _, err := setup([]string{"-h"}, getenv, &bytes.Buffer{}, &help); !errors.Is(err, flag.ErrHelp) || !strings.Contains(help.String(), "-collection") {
		t.Errorf("-h: %v\n%s", err, help.String())
	}
}

// TestReceiverLogs checks that the receiver logs a rejected request with its reason and
// prints an applied change with its object.
func TestReceiverLogs(t *testing.T) {
	var printed, logs bytes.Buffer
	addr, h, err := setup([]string{"-addr", "127.0.0.1:0"}, env{"WEBHOOK_KEY": testKey}.get, &printed, &logs)
	if err != nil || addr != "127.0.0.1:0" {
		t.Fatal(addr, err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	body := `{"changeType":"InsertOrUpdate","data":{"changeVersion":"0000000000000000002A","id":12,"person":{"id":7},"date":"2025-03-17","timeOfDayInMinutes":480,"calculatedTimeOfDayInMinutes":480,"isGenerated":false,"kind":"InOut","status":"Active"}}`
	post := func(signature string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set("webhook-id", "msg_1")
		req.Header.Set("webhook-timestamp", strconv.FormatInt(time.Now().Unix(), 10))
		req.Header.Set("webhook-signature", signature)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if status := post("v1,bm90IGEgc2lnbmF0dXJl"); status != http.StatusUnauthorized {
		t.Fatalf("a bad signature: %d", status)
	}
	if !strings.Contains(logs.String(), `msg="webhook request rejected" status=401 reason="signature: no signature matches a configured key`) {
		t.Fatalf("the rejection's log:\n%s", logs.String())
	}
	wh, _ := standardwebhooks.NewWebhook(testKey)
	sig, _ := wh.Sign("msg_1", time.Now(), []byte(body))
	if status := post(sig); status != http.StatusNoContent {
		t.Fatalf("a signed event: %d\n%s", status, logs.String())
	}
	if !strings.Contains(printed.String(), ` InsertOrUpdate clockings 12 at 0000000000000000002A {"id":12,"person":{"id":7},"date":"2025-03-17",`) {
		t.Fatalf("the applied change's line:\n%s", printed.String())
	}
}

package consumer_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/consumer"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// A receiver of a clockings webhook. The key is the one POST /webhooks answered; the
// requests below are what Shiftwire sends: a change, the same change again (a retry), an
// older change of the same object (after a resend), and a request with a bad signature.
func Example() {
	const key = "whsec_j3Flbv7agIItGYj3VIQtTdw0Xpg5H0dCDceXXQwixJY=" // from POST /webhooks

	handler, err := consumer.NewHandler(consumer.Config{
		Collection: shiftwire.Clockings,
		Keys:       []string{key},
		Apply: func(ctx context.Context, ev consumer.Event) error {
			c := ev.Object.(*shiftwire.Clocking) // Object is nil for a Delete; clockings have none
			fmt.Printf("%s clocking %d: person %d on %s at %d minutes (%s)\n",
				ev.ChangeType, c.ID, c.Person.ID, c.Date, c.TimeOfDayInMinutes, c.Status)
			return nil // an error here answers 500, and Shiftwire sends the change again later
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(handler) // http.Handle("POST /hooks/clockings", handler) in a real program
	defer srv.Close()

	newer := `{"changeType":"InsertOrUpdate","data":{"changeVersion":"0000000000000000002A","id":12,"person":{"id":7},"date":"2025-03-17","timeOfDayInMinutes":485,"originalTimeOfDayInMinutes":480,"calculatedTimeOfDayInMinutes":485,"isGenerated":false,"kind":"InOut","status":"Active"}}`
	older := `{"changeType":"InsertOrUpdate","data":{"changeVersion":"00000000000000000029","id":12,"person":{"id":7},"date":"2025-03-17","timeOfDayInMinutes":480,"calculatedTimeOfDayInMinutes":480,"isGenerated":false,"kind":"InOut","status":"Active"}}`
	fmt.Println(send(srv.URL, key, "msg_1", newer, false))
	fmt.Println(send(srv.URL, key, "msg_1", newer, false))
	fmt.Println(send(srv.URL, key, "msg_2", older, false))
	fmt.Println(send(srv.URL, key, "msg_3", newer, true))
	// Output:
	// InsertOrUpdate clocking 12: person 7 on 2025-03-17 at 485 minutes (Active)
	// 204 No Content
	// 204 No Content
	// 204 No Content
	// 401 Unauthorized: signature: no signature matches a configured key (a wrong key, or a changed body)
}

// send posts body to url signed with key as Shiftwire signs it, with the Standard Webhooks
// library; tamper changes the body after signing.
func send(url, key, msgID, body string, tamper bool) string {
	wh, err := standardwebhooks.NewWebhook(key)
	if err != nil {
		log.Fatal(err)
	}
	now := time.Now()
	sig, err := wh.Sign(msgID, now, []byte(body))
	if err != nil {
		log.Fatal(err)
	}
	if tamper {
		body = body[:len(body)-2] + ` }}`
	}
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
	req.Header.Set("webhook-id", msgID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var answer bytes.Buffer
	answer.ReadFrom(resp.Body)
	if answer.Len() > 0 {
		return resp.Status + ": " + string(bytes.TrimSpace(answer.Bytes()))
	}
	return resp.Status
}

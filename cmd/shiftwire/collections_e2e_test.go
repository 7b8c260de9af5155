package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/shiftwire/shiftwire"
)

// collectionAPI is the path every collection is served under.
const collectionAPI = "/connector/protimeapi/api/v1/"

// collectionCase is one webhook collection in TestEveryWebhookCollection: the writes that
// together give it an object with every documented field, and those fields, as JSON paths.
type collectionCase struct {
	collection string
	writes     []collectionWrite
	paths      []string // besides changeVersion and id
}

// collectionWrite is one write: a PUT of the object with id, or with edit the second PUT
// of an object already written.
type collectionWrite struct {
	id   int64
	body string
}

// everyCollection lists the 18 webhook collections, each after those it refers to. The
// objects that recalculation may create or change (calculated totals, paid presences) are
// written for person 2 on a day that person has nothing else, so no recalculation of this
// test's clockings, absences or contracts touches them.
var everyCollection = []collectionCase{
	{shiftwire.People, []collectionWrite{
		{1, `{"periodClosingDate":"2024-12-31","hourlyRateCurrencyDefinition":{"id":3},"advanceCurrencyDefinition":{"id":4},"lastName":"Peeters","firstName":"Ann",` +
			`"initials":"A.P.","telephone":"+32 2 123 45 67","mobile":"+32 470 12 34 56","email":"ann.peeters@example.com","address":"Kerkstraat 1","postalCode":"9000",` +
			`"town":"Gent","countryIsoCode":"BE","nationalityIsoCode":"NL","sex":"Female","maritalStatus":"LivingTogether","birthDate":"1985-04-12","placeOfBirth":"Utrecht",` +
			`"drivingLicense":"B","registerNumber":"85.04.12-123.45","passportNumber":"NX1234567","socialSecurityNumber":"85041212345","bankAccount":"BE68 5390 0754 7034",` +
			`"inServiceDate":"2020-01-01","outOfServiceDate":"2030-12-31","wtdStartDate":"2020-01-06","employeeNumber":"E-1","payGroup":"Bedienden","hourlyRate":21.75,` +
			`"maxAdvance":500,"terminalGroup":{"id":2},"badgeNumber":"6767676","pinCode":4321,"terminalLanguageISOCode":"nl-BE"}`},
		{2, `{"lastName":"Claes"}`},
	}, []string{"periodClosingDate", "hourlyRateCurrencyDefinition.id", "advanceCurrencyDefinition.id", "lastName", "firstName", "initials",
		"telephone", "mobile", "email", "address", "postalCode", "town", "countryIsoCode", "nationalityIsoCode", "sex", "maritalStatus",
		"birthDate", "placeOfBirth", "drivingLicense", "registerNumber", "passportNumber", "socialSecurityNumber", "bankAccount",
		"inServiceDate", "outOfServiceDate", "wtdStartDate", "employeeNumber", "payGroup", "hourlyRate", "maxAdvance", "terminalGroup.id",
		"badgeNumber", "pinCode", "terminalLanguageISOCode"}},
	{shiftwire.AbsenceGroups, []collectionWrite{
		{1, `{"name":{"default":"Sickness","translations":{"nl":"Ziekte","fr":"Maladie"}},"type":"Absence"}`},
	}, []string{"name.default", "name.translations", "type"}},
	{shiftwire.AbsenceDefinitions, []collectionWrite{
		{1, `{"name":{"default":"Sick","translations":{"nl":"Ziek"}},"code":"ZK","friendlyName":{"default":"Sick leave","translations":{"fr":"Maladie"}},` +
			`"friendlyCode":{"default":"SICK","translations":{"nl":"ZIEK"}},"allowedDurations":["FullDay","HalfDay","Duration"],"isEnabled":false,` +
			`"isReasonForClocking":true,"absenceGroup":{"id":1}}`},
	}, []string{"name.default", "name.translations", "code", "friendlyName.default", "friendlyName.translations", "friendlyCode.default",
		"friendlyCode.translations", "allowedDurations[]", "isEnabled", "isReasonForClocking", "absenceGroup.id"}},
	{shiftwire.BreakDefinitions, []collectionWrite{
		{1, `{"name":{"default":"Lunch","translations":{"nl":"Middagpauze"}},"friendlyName":{"default":"Lunch break","translations":{}},"paidDurationInMinutes":15,` +
			`"minimumDurationInMinutes":30,"maximumDurationInMinutes":45,"ifNotClockedDurationInMinutes":30,"hasToBeTakenUninterrupted":true}`},
	}, []string{"name.default", "name.translations", "friendlyName.default", "friendlyName.translations", "paidDurationInMinutes",
		"minimumDurationInMinutes", "maximumDurationInMinutes", "ifNotClockedDurationInMinutes", "hasToBeTakenUninterrupted"}},
	{shiftwire.ShiftDefinitions, []collectionWrite{
		{1, `{"name":{"default":"Early shift","translations":{"nl":"Vroege dienst"}},"code":"VRG","friendlyName":{"default":"Early","translations":{"fr":"Matin"}},"isEnabled":true}`},
	}, []string{"name.default", "name.translations", "code", "friendlyName.default", "friendlyName.translations", "isEnabled"}},
	{shiftwire.CounterGroups, []collectionWrite{
		{1, `{"name":{"default":"Overtime","translations":{"nl":"Overuren"}}}`},
	}, []string{"name.default", "name.translations"}},
	{shiftwire.CounterDefinitions, []collectionWrite{
		{1, `{"name":{"default":"Overtime 150%","translations":{"nl":"Overuren 150%"}},"code":"OT150","friendlyName":{"default":"Overtime","translations":{}},` +
			`"friendlyCode":{"default":"OT","translations":{"nl":"OU"}},"isEnabled":true,"counterGroup":{"id":1},"unit":"Interval"}`},
	}, []string{"name.default", "name.translations", "code", "friendlyName.default", "friendlyName.translations", "friendlyCode.default",
		"friendlyCode.translations", "isEnabled", "counterGroup.id", "unit"}},
	{shiftwire.Contracts, []collectionWrite{
		{1, `{"person":{"id":1},"code":"FT","from":"2025-01-01","until":"2025-12-31","contractHoursInMinutes":2280,"fullTimeEquivalentInMinutes":2280,` +
			`"contractPercentage":100,"numberOfWorkingDaysPerWeek":5,"numberOfDaysInContractPeriod":365,"kind":"Contract"}`},
		{2, `{"person":{"id":1},"code":"PT","from":"2025-07-01","contractHoursInMinutes":1824,"fullTimeEquivalentInMinutes":2280,"numberOfWorkingDaysPerWeek":4,` +
			`"numberOfDaysInContractPeriod":7,"kind":"Addendum","parentContract":{"id":1}}`},
	}, []string{"person.id", "code", "from", "until", "contractHoursInMinutes", "fullTimeEquivalentInMinutes", "contractPercentage",
		"numberOfWorkingDaysPerWeek", "numberOfDaysInContractPeriod", "kind", "parentContract.id"}},
	{shiftwire.Clockings, []collectionWrite{
		{1, `{"person":{"id":1},"date":"2025-01-02","timeOfDayInMinutes":600,"terminal":{"id":1},"geolocation":{"longitude":4.3517,"latitude":50.8503},"kind":"Reason","reason":{"id":1},"isOpen":true}`},
		{1, `{"person":{"id":1},"date":"2025-01-02","timeOfDayInMinutes":605,"terminal":{"id":1},"geolocation":{"longitude":4.3517,"latitude":50.8503},"kind":"Reason","reason":{"id":1},"isOpen":true}`},
		{2, `{"person":{"id":1},"date":"2025-01-02","timeOfDayInMinutes":660,"kind":"Activity","activityLevels":[{"level":1,"activityDefinition":{"id":1}},{"level":2,"activityDefinition":{"id":1}}]}`},
	}, []string{"person.id", "date", "timeOfDayInMinutes", "originalTimeOfDayInMinutes", "calculatedTimeOfDayInMinutes", "isGenerated",
		"terminal.id", "geolocation.longitude", "geolocation.latitude", "kind", "reason.id", "isOpen", "activityLevels[].level",
		"activityLevels[].activityDefinition.id", "status"}},
	{shiftwire.Absences, []collectionWrite{
		{1, `{"person":{"id":1},"resultingAbsenceDefinition":{"id":1},"requestedAbsenceDefinition":{"id":1},"shiftDefinition":{"id":1},"date":"2025-01-03",` +
			`"startTimeInMinutes":480,"durationInMinutes":240,"calculatedDurationInMinutes":228,"dayPart":"First","request":{"id":"1-1-42"},"status":"Manual",` +
			`"approvalLevel":"AwaitingApproval","isLocked":true}`},
	}, []string{"person.id", "resultingAbsenceDefinition.id", "requestedAbsenceDefinition.id", "shiftDefinition.id", "date", "startTimeInMinutes",
		"durationInMinutes", "calculatedDurationInMinutes", "dayPart", "request.id", "status", "approvalLevel", "isLocked"}},
	{shiftwire.AccessClockings, []collectionWrite{
		{1, `{"person":{"id":1},"date":"2025-01-02","timeOfDayInMinutes":1439,"terminal":{"id":1},"status":"AntiPassbackError"}`},
	}, []string{"person.id", "date", "timeOfDayInMinutes", "terminal.id", "status"}},
	{shiftwire.ActivityDurations, []collectionWrite{
		{1, `{"person":{"id":1},"date":"2025-01-02","durationInMinutes":240,"activityLevels":[{"level":1,"activityDefinition":{"id":"PRJ-100"}}],` +
			`"absenceDefinition":{"id":1},"request":{"id":"1-1-42"},"counterDefinitions":[{"id":1}],"shiftDefinition":{"id":1},"status":"Auto","isAuthorized":true}`},
	}, []string{"person.id", "date", "durationInMinutes", "activityLevels[].level", "activityLevels[].activityDefinition.id", "absenceDefinition.id",
		"request.id", "counterDefinitions[].id", "shiftDefinition.id", "status", "isAuthorized"}},
	{shiftwire.Assignments, []collectionWrite{
		{1, `{"person":{"id":1},"from":"2025-01-06","until":"2025-01-10","startTimeInMinutes":480,"endTimeInMinutes":990,"breakDurationInMinutes":30,` +
			`"comments":"Inventory week","activityLevels":[{"level":1,"activityDefinition":{"id":1}}]}`},
	}, []string{"person.id", "from", "until", "startTimeInMinutes", "endTimeInMinutes", "breakDurationInMinutes", "comments",
		"activityLevels[].level", "activityLevels[].activityDefinition.id"}},
	{shiftwire.Breaks, []collectionWrite{
		{1, `{"person":{"id":1},"breakDefinition":{"id":1},"date":"2025-01-02","calculatedDurationInMinutes":30,"clockedDurationInMinutes":28,` +
			`"startTimeInMinutes":720,"endTimeInMinutes":748,"isBreakTaken":true}`},
	}, []string{"person.id", "breakDefinition.id", "date", "calculatedDurationInMinutes", "clockedDurationInMinutes", "startTimeInMinutes",
		"endTimeInMinutes", "isBreakTaken"}},
	{shiftwire.CalculatedTotals, []collectionWrite{
		{9001, `{"person":{"id":2},"date":"2025-02-14","normalTimeDurationInMinutes":456,"timePresentDurationInMinutes":470,"calculatedPresenceDurationInMinutes":480,` +
			`"weeklyHours1DurationInMinutes":1900,"weeklyHours2DurationInMinutes":10,"weeklyHours3DurationInMinutes":5,"payPeriodHoursDurationInMinutes":4800,` +
			`"flextimeDurationInMinutes":-24,"flextimeBalanceInMinutes":-30}`},
	}, []string{"person.id", "date", "normalTimeDurationInMinutes", "timePresentDurationInMinutes", "calculatedPresenceDurationInMinutes",
		"weeklyHours1DurationInMinutes", "weeklyHours2DurationInMinutes", "weeklyHours3DurationInMinutes", "payPeriodHoursDurationInMinutes",
		"flextimeDurationInMinutes", "flextimeBalanceInMinutes"}},
	{shiftwire.Counters, []collectionWrite{
		{1, `{"shiftDefinition":{"id":1},"numberOfInstances":2,"request":{"id":"1-1-43"},"status":"Calendar","isAuthorized":true,"person":{"id":1},` +
			`"periodType":"Week","counterDefinition":{"id":1},"date":"2025-01-02","startTimeInMinutes":1020,"endTimeInMinutes":1080,"durationInMinutes":60}`},
	}, []string{"shiftDefinition.id", "numberOfInstances", "request.id", "status", "isAuthorized", "person.id", "periodType",
		"counterDefinition.id", "date", "startTimeInMinutes", "endTimeInMinutes", "durationInMinutes"}},
	{shiftwire.PaidPresences, []collectionWrite{
		{9001, `{"person":{"id":2},"date":"2025-02-14","durationInMinutes":480,"shiftDefinition":{"id":1}}`},
	}, []string{"person.id", "date", "durationInMinutes", "shiftDefinition.id"}},
	{shiftwire.WorkInterruptions, []collectionWrite{
		{1, `{"person":{"id":1},"date":"2025-01-02","durationInMinutes":45,"startTimeInMinutes":600,"endTimeInMinutes":645}`},
	}, []string{"person.id", "date", "durationInMinutes", "startTimeInMinutes", "endTimeInMinutes"}},
}

// eventReceiver is a destination for one webhook per collection, at /<collection>: it checks
// each request's signature with that webhook's key and keeps the events' data.
type eventReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	hooks  map[string]*standardwebhooks.Webhook
	events map[string][]json.RawMessage // collection -> the data of its events
	bad    []string
}

func newEventReceiver(t *testing.T) *eventReceiver {
	rc := &eventReceiver{hooks: map[string]*standardwebhooks.Webhook{}, events: map[string][]json.RawMessage{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		collection := strings.TrimPrefix(r.URL.Path, "/")
		rc.mu.Lock()
		defer rc.mu.Unlock()
		var ev struct {
			ChangeType string          `json:"changeType"`
			Data       json.RawMessage `json:"data"`
		}
		hook := rc.hooks[collection]
		if hook == nil || hook.Verify(body, r.Header) != nil || json.Unmarshal(body, &ev) != nil || ev.ChangeType == "" {
			rc.bad = append(rc.bad, collection+": "+string(body))
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if ev.ChangeType == "InsertOrUpdate" {
			rc.events[collection] = append(rc.events[collection], ev.Data)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// find returns the data of the event of collection that carries want's id and
// changeVersion, or nil.
func (rc *eventReceiver) find(collection string, want map[string]any) map[string]any {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, data := range rc.events[collection] {
		var got map[string]any
		if json.Unmarshal(data, &got) == nil && got["id"] == want["id"] && got["changeVersion"] == want["changeVersion"] {
			return got
		}
	}
	return nil
}

// TestEveryWebhookCollection subscribes a webhook to each of the 18 webhook collections,
// writes objects with every documented field, reads them back with exactly those fields,
// and receives each as an event, signed, with the same data, at a loopback destination.
func TestEveryWebhookCollection(t *testing.T) {
	f := newFixture(t, "--allow-private-destinations", "--allow-insecure-destinations")
	checkEveryWebhookCollection(t, f.testServer, f.acme)
}

// TestEveryWebhookCollectionPostgres is TestEveryWebhookCollection on PostgreSQL, run when
// TEST_DATABASE_URL is set.
func TestEveryWebhookCollectionPostgres(t *testing.T) {
	srv, client := startPostgresServer(t, "--allow-private-destinations", "--allow-insecure-destinations")
	checkEveryWebhookCollection(t, srv, client)
}

// startPostgresServer starts serve on a schema of TEST_DATABASE_URL (skipping the test
// without it) with args, and returns it with a client of tenant acme holding every scope.
func startPostgresServer(t *testing.T, args ...string) (*testServer, testClient) {
	t.Helper()
	dbURL := pgTestSchema(t)
	key := make([]byte, 32)
	rand.Read(key)
	store := []string{"--database-url", dbURL, "--master-key", base64.StdEncoding.EncodeToString(key)}
	if _, errOut, err := runCmd(t, nil, append([]string{"tenants", "create", "acme"}, store...)...); err != nil {
		t.Fatalf("tenants create: %v\n%s", err, errOut)
	}
	out, errOut, err := runCmd(t, nil, append([]string{"clients", "create", "--tenant", "acme", "--scope", strings.Join(shiftwire.AllScopes(), " ")}, store...)...)
	var client testClient
	if err != nil || json.Unmarshal([]byte(out), &client) != nil {
		t.Fatalf("clients create: %v %q\n%s", err, out, errOut)
	}
	client.Tenant = "acme"
	srv := startServerEnv(t, nil, append(append([]string{"--addr", "127.0.0.1:0"}, args...), store...)...)
	return srv, client
}

// checkEveryWebhookCollection runs TestEveryWebhookCollection on srv as client, which holds
// every scope of an empty tenant.
func checkEveryWebhookCollection(t *testing.T, f *testServer, client testClient) {
	rc := newEventReceiver(t)

	var subscribable []string
	for _, ct := range shiftwire.Collections() {
		if ct.Subscribable {
			subscribable = append(subscribable, ct.Name)
		}
	}
	var cased []string
	for _, c := range everyCollection {
		cased = append(cased, c.collection)
	}
	slices.Sort(subscribable)
	slices.Sort(cased)
	if len(cased) != 18 || !slices.Equal(cased, subscribable) {
		t.Fatalf("the cases cover %q; the webhook collections are %q", cased, subscribable)
	}

	for _, c := range everyCollection {
		hook := f.createWebhook(client, "", hookBody(rc.URL+"/"+c.collection, c.collection))
		verifier, err := standardwebhooks.NewWebhook(hook.Key)
		if err != nil {
			t.Fatal(err)
		}
		rc.mu.Lock()
		rc.hooks[c.collection] = verifier
		rc.mu.Unlock()
	}
	// What the objects refer to but no webhook covers.
	f.call(client, http.MethodPut, collectionAPI+"terminals/1", `{"name":"Main entrance","externalCode":"T-MAIN"}`).wantStatus(t, http.StatusCreated)
	f.call(client, http.MethodPut, collectionAPI+"activity-definitions/1", `{"name":{"default":"Packing"},"dataEntryCode":"PCK"}`).wantStatus(t, http.StatusCreated)

	for _, c := range everyCollection {
		t.Run(c.collection, func(t *testing.T) {
			var ids []int64
			for _, w := range c.writes {
				path := fmt.Sprintf("%s%s/%d", collectionAPI, c.collection, w.id)
				resp := f.call(client, http.MethodPut, path, w.body)
				if resp.status != http.StatusCreated && resp.status != http.StatusOK {
					t.Fatalf("PUT %s: %d %s", path, resp.status, resp.body)
				}
				if !slices.Contains(ids, w.id) {
					ids = append(ids, w.id)
				}
			}
			want := append([]string{"changeVersion", "id"}, c.paths...)
			seen := map[string]bool{}
			for _, id := range ids {
				resp := f.call(client, http.MethodGet, fmt.Sprintf("%s%s/%d", collectionAPI, c.collection, id), "")
				resp.wantStatus(t, http.StatusOK)
				for _, p := range objectPaths(t, resp.body) {
					if !slices.Contains(want, p) {
						t.Errorf("%s %d has %s, which Protime does not document", c.collection, id, p)
					}
					seen[p] = true
				}
				var read map[string]any
				if err := json.Unmarshal(resp.body, &read); err != nil {
					t.Fatal(err)
				}
				var event map[string]any
				waitFor(t, 20*time.Second, fmt.Sprintf("the event of %s %d", c.collection, id), func() bool {
					event = rc.find(c.collection, read)
					return event != nil
				})
				if !reflect.DeepEqual(event, read) {
					t.Errorf("%s %d: the event's data\n %v\ndiffers from the read\n %v", c.collection, id, event, read)
				}
			}
			for _, p := range want {
				if !seen[p] {
					t.Errorf("no %s read shows %s", c.collection, p)
				}
			}
		})
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bad) > 0 {
		t.Errorf("the receiver refused %d requests, such as %s", len(rc.bad), rc.bad[0])
	}
}

// objectPaths returns the JSON paths of an object's members: nested objects as person.id,
// array elements as activityLevels[].level (an array of strings as allowedDurations[]);
// translations, a map of language codes, count as one field.
func objectPaths(t *testing.T, data []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	set := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if strings.HasSuffix(prefix, "translations") {
				set[prefix] = true
				return
			}
			for k, e := range v {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, e)
			}
		case []any:
			for _, e := range v {
				walk(prefix+"[]", e)
			}
		default:
			set[prefix] = true
		}
	}
	walk("", v)
	paths := make([]string, 0, len(set))
	for p := range set {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

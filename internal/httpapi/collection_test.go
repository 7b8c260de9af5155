package httpapi_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/auth"
	"github.com/shiftwire/shiftwire/internal/httpapi"
	"github.com/shiftwire/shiftwire/internal/httpapi/openapitest"
	"github.com/shiftwire/shiftwire/internal/storetest"
)

const apiBase = "/connector/protimeapi/api/v1/"

// collectionAPI is a running API on a fresh SQLite store with tenant acme, reached at the
// default tenant's address.
type collectionAPI struct {
	t      testing.TB
	srv    *httptest.Server
	api    *httpapi.Server
	store  shiftwire.Store
	tenant *shiftwire.Tenant
	issuer *auth.Issuer
	all    string // a token holding every scope
}

func newCollectionAPI(t testing.TB, cfg httpapi.Config) *collectionAPI {
	t.Helper()
	db := storetest.OpenSQLite(t)
	tn := &shiftwire.Tenant{Name: "acme", TimeZone: shiftwire.DefaultTimeZone}
	if err := db.CreateTenant(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	_, signKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	issuer := auth.NewIssuer(signKey, time.Now)
	cfg.BaseDomain, cfg.DefaultTenant = "localhost", "acme"
	api := httpapi.New(cfg, httpapi.Deps{
		Store:    db,
		Issuer:   issuer,
		Verifier: auth.NewVerifier(issuer, nil),
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	httpapi.CheckResponses(t, srv)
	a := &collectionAPI{t: t, srv: srv, api: api, store: db, tenant: tn, issuer: issuer}
	a.all = a.token(shiftwire.AllScopes()...)
	return a
}

// token returns an access token of tenant acme with scopes.
func (a *collectionAPI) token(scopes ...string) string {
	a.t.Helper()
	tok, _, err := a.issuer.Issue(a.srv.URL+"/tenants/acme", "acme", "tester", scopes)
	if err != nil {
		a.t.Fatal(err)
	}
	return tok
}

// apiResponse is what a request answered.
type apiResponse struct {
	status int
	header http.Header
	body   []byte
}

func (r apiResponse) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }

// do sends a request to path with token ("" for none) and body (a string, []byte or nil).
func (a *collectionAPI) do(method, path, token string, body any, header ...string) apiResponse {
	a.t.Helper()
	return a.doIn(context.Background(), method, path, token, body, header...)
}

// doIn is do with the request's context, such as one of openapitest.Unrouted.
func (a *collectionAPI) doIn(ctx context.Context, method, path, token string, body any, header ...string) apiResponse {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	}
	req, err := http.NewRequestWithContext(ctx, method, a.srv.URL+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("User-Agent", "shiftwire-test/1")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return apiResponse{resp.StatusCode, resp.Header, b}
}

// serve serves a request to path with token ("" for none) and body in the test's goroutine,
// without a network between: the test sees when the server reads the body.
func (a *collectionAPI) serve(method, path, token string, body io.Reader) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("User-Agent", "shiftwire-test/1")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	a.api.ServeHTTP(rec, req)
	httpapi.CheckRecorded(a.t, req, rec)
	return rec
}

// must sends a request and fails the test unless it answers status.
func (a *collectionAPI) must(status int, method, path string, body any) apiResponse {
	a.t.Helper()
	r := a.do(method, path, a.all, body)
	if r.status != status {
		a.t.Fatalf("%s %s: %s, want %d", method, path, r, status)
	}
	return r
}

// changeCount returns how many change-log entries tenant acme has.
func (a *collectionAPI) changeCount() int {
	a.t.Helper()
	cs, err := a.store.Changes(context.Background(), a.tenant.ID, 0, 10_000_000)
	if err != nil {
		a.t.Fatal(err)
	}
	return len(cs)
}

// seedReferences creates through the API the objects test bodies refer to: people 1 and 2,
// terminal 1, activity definition 1, absence definition 1.
func (a *collectionAPI) seedReferences() {
	a.t.Helper()
	a.must(201, "POST", apiBase+"people", `{"id":1,"firstName":"An","lastName":"Peeters","badgeNumber":"6767676","employeeNumber":"E-1","email":"an.peeters@example.com"}`)
	a.must(201, "POST", apiBase+"people", `{"id":2,"firstName":"Bart","lastName":"Claes","badgeNumber":"1002"}`)
	a.must(201, "POST", apiBase+"terminals", `{"id":1,"name":"Front door","externalCode":"T-FRONT"}`)
	a.must(201, "POST", apiBase+"activity-definitions", `{"id":1,"name":{"default":"Assembly","translations":{"nl":"Assemblage"}},"dataEntryCode":"ASM","externalReference":"X-ASM"}`)
	a.must(201, "POST", apiBase+"absence-definitions", `{"id":1,"name":{"default":"Doctor","translations":{"nl":"Dokter"}},"code":"DOC","isReasonForClocking":true}`)
}

// jsonPaths returns the dotted paths of the members of a JSON object, in document order:
// nested objects as person.id, array elements as activityLevels[].level. Translations are
// a map of language codes, so they count as one field.
func jsonPaths(t testing.TB, data []byte) []string {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var paths []string
	var walk func(prefix string) error
	walk = func(prefix string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			if strings.HasSuffix(prefix, "translations") || strings.HasSuffix(prefix, "externalReferences") {
				paths = append(paths, prefix)
				for dec.More() {
					dec.Token()
					dec.Decode(&v)
				}
				_, err := dec.Token()
				return err
			}
			for dec.More() {
				key, err := dec.Token()
				if err != nil {
					return err
				}
				p := key.(string)
				if prefix != "" {
					p = prefix + "." + p
				}
				if err := walk(p); err != nil {
					return err
				}
			}
			_, err := dec.Token()
			return err
		case json.Delim('['):
			for dec.More() {
				if err := walk(prefix + "[]"); err != nil {
					return err
				}
			}
			_, err := dec.Token()
			return err
		}
		paths = append(paths, prefix)
		return nil
	}
	if err := walk(""); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	return paths
}

// seedFields lists, per collection, the event properties of the seed documents (SPEC
// section 6 for the referenced collections), with changeVersion, in their order.
var seedFields = map[string][]string{
	shiftwire.BreakDefinitions: {"changeVersion", "id", "name.default", "name.translations", "friendlyName.default", "friendlyName.translations",
		"paidDurationInMinutes", "minimumDurationInMinutes", "maximumDurationInMinutes", "ifNotClockedDurationInMinutes", "hasToBeTakenUninterrupted"},
	shiftwire.Contracts: {"changeVersion", "id", "person.id", "code", "from", "until", "contractHoursInMinutes", "fullTimeEquivalentInMinutes",
		"contractPercentage", "numberOfWorkingDaysPerWeek", "numberOfDaysInContractPeriod", "kind", "parentContract.id"},
	shiftwire.AbsenceGroups: {"changeVersion", "id", "name.default", "name.translations", "type"},
	shiftwire.Clockings: {"changeVersion", "id", "person.id", "date", "timeOfDayInMinutes", "originalTimeOfDayInMinutes", "calculatedTimeOfDayInMinutes",
		"isGenerated", "terminal.id", "geolocation.longitude", "geolocation.latitude", "kind", "reason.id", "isOpen",
		"activityLevels[].level", "activityLevels[].activityDefinition.id", "status"},
	shiftwire.People: {"changeVersion", "id", "periodClosingDate", "hourlyRateCurrencyDefinition.id", "advanceCurrencyDefinition.id",
		"lastName", "firstName", "initials", "telephone", "mobile", "email", "address", "postalCode", "town", "countryIsoCode",
		"nationalityIsoCode", "sex", "maritalStatus", "birthDate", "placeOfBirth", "drivingLicense", "registerNumber", "passportNumber",
		"socialSecurityNumber", "bankAccount", "inServiceDate", "outOfServiceDate", "wtdStartDate", "employeeNumber", "payGroup",
		"hourlyRate", "maxAdvance", "terminalGroup.id", "badgeNumber", "pinCode", "terminalLanguageISOCode"},
	shiftwire.Terminals:           {"changeVersion", "id", "name", "externalCode"},
	shiftwire.ActivityDefinitions: {"changeVersion", "id", "name.default", "name.translations", "dataEntryCode", "externalReference"},
	shiftwire.AbsenceDefinitions: {"changeVersion", "id", "name.default", "name.translations", "code", "friendlyName.default",
		"friendlyName.translations", "friendlyCode.default", "friendlyCode.translations", "allowedDurations[]", "isEnabled",
		"isReasonForClocking", "absenceGroup.id"},
}

// TestCollectionsWriteThenRead writes objects of every collection through the API and reads
// them back by id and in the list: together they show exactly the seed documents' fields,
// in their order, and every write took the next changeVersion.
func TestCollectionsWriteThenRead(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{})
	a.seedReferences()
	writes := []struct {
		method, collection, path, body string
		list                           string // the filter that lists it
	}{
		{"POST", shiftwire.BreakDefinitions, "", `{"name":{"default":"Lunch","translations":{"nl":"Middagpauze","fr":"Pause de midi"}},"friendlyName":{"default":"Lunch break"},"paidDurationInMinutes":0,"minimumDurationInMinutes":30,"maximumDurationInMinutes":45,"ifNotClockedDurationInMinutes":30,"hasToBeTakenUninterrupted":true}`, ""},
		{"POST", shiftwire.Contracts, "", `{"id":10,"person":{"id":1},"code":"FT","from":"2024-01-01","until":"2024-12-31","contractHoursInMinutes":2280,"fullTimeEquivalentInMinutes":2280,"contractPercentage":100,"numberOfWorkingDaysPerWeek":5,"numberOfDaysInContractPeriod":7,"kind":"Contract"}`, "person eq 1"},
		{"POST", shiftwire.Contracts, "", `{"person":{"id":1},"code":"PT","from":"2024-07-01","contractHoursInMinutes":1824,"fullTimeEquivalentInMinutes":2280,"numberOfWorkingDaysPerWeek":4,"numberOfDaysInContractPeriod":7,"kind":"Addendum","parentContract":{"id":10}}`, "person in (1,2)"},
		{"POST", shiftwire.AbsenceGroups, "", `{"name":{"default":"Sickness","translations":{"nl":"Ziekte","fr":"Maladie"}},"type":"Absence"}`, ""},
		{"POST", shiftwire.Clockings, "", `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":480,"terminal":{"id":1},"geolocation":{"longitude":4.3517,"latitude":50.8503},"kind":"Reason","reason":{"id":1}}`, "date eq '2024-01-02' and kind eq 'Reason'"},
		{"POST", shiftwire.Clockings, "", `{"id":50,"person":{"id":2},"date":"2024-01-03","timeOfDayInMinutes":540,"kind":"Activity","activityLevels":[{"level":1,"activityDefinition":{"id":1}}]}`, "date eq '2024-01-03'"},
		{"PUT", shiftwire.Clockings, "/50", `{"person":{"id":2},"date":"2024-01-03","timeOfDayInMinutes":545,"kind":"Activity","activityLevels":[{"level":1,"activityDefinition":{"id":1}}]}`, "date ge '2024-01-01' and date le '2024-01-31' and person eq 2"},
		{"PUT", shiftwire.People, "/3", `{"periodClosingDate":"2024-12-31","hourlyRateCurrencyDefinition":{"id":1},"advanceCurrencyDefinition":{"id":1},"lastName":"Janssens","firstName":"Cis","initials":"CJ","telephone":"+32 2 123 45 67","mobile":"+32 470 12 34 56","email":"cis@example.com","address":"Kerkstraat 1","postalCode":"1000","town":"Brussel","countryIsoCode":"BE","nationalityIsoCode":"BE","sex":"Female","maritalStatus":"Single","birthDate":"1990-05-01","placeOfBirth":"Gent","drivingLicense":"B","registerNumber":"90.05.01-123.45","passportNumber":"EP1","socialSecurityNumber":"90050112345","bankAccount":"BE68 5390 0754 7034","inServiceDate":"2020-01-01","outOfServiceDate":"2030-12-31","wtdStartDate":"2020-01-01","employeeNumber":"E-3","payGroup":"Bedienden","hourlyRate":21.5,"maxAdvance":500,"terminalGroup":{"id":4},"badgeNumber":"1003","pinCode":1234,"terminalLanguageISOCode":"nl"}`, ""},
		{"POST", shiftwire.Terminals, "", `{"name":"Warehouse","externalCode":"T-WH"}`, ""},
		{"POST", shiftwire.ActivityDefinitions, "", `{"name":{"default":"Packing"},"dataEntryCode":"PCK","externalReference":"X-PCK"}`, ""},
		{"POST", shiftwire.AbsenceDefinitions, "", `{"name":{"default":"Holiday","translations":{"fr":"Congé"}},"code":"HOL","friendlyName":{"default":"Holiday"},"friendlyCode":{"default":"H","translations":{"fr":"C"}},"allowedDurations":["FullDay","HalfDay"],"isEnabled":true,"isReasonForClocking":false,"absenceGroup":{"id":1}}`, ""},
	}
	seen := map[string]map[string]bool{}
	lastVersion := ""
	for _, w := range writes {
		path := apiBase + w.collection + w.path
		r := a.do(w.method, path, a.all, w.body)
		want := http.StatusCreated
		if w.path == "/50" {
			want = http.StatusOK // it replaces the clocking created before
		}
		if r.status != want {
			t.Fatalf("%s %s: %s, want %d", w.method, path, r, want)
		}
		var obj struct {
			ID            int64  `json:"id"`
			ChangeVersion string `json:"changeVersion"`
		}
		json.Unmarshal(r.body, &obj)
		self := apiBase + w.collection + "/" + fmt.Sprint(obj.ID)
		if loc := r.header.Get("Location"); loc != self && want == http.StatusCreated {
			t.Errorf("%s %s: Location %q, want %q", w.method, path, loc, self)
		}
		if !bytes.HasPrefix(r.body, []byte(`{"changeVersion":"`)) || len(obj.ChangeVersion) != 20 || obj.ChangeVersion <= lastVersion {
			t.Errorf("%s %s: changeVersion %q after %q in %s", w.method, path, obj.ChangeVersion, lastVersion, r.body)
		}
		lastVersion = obj.ChangeVersion

		got := a.must(200, "GET", self, nil)
		if !bytes.Equal(bytes.TrimSpace(got.body), r.body) && !bytes.Equal(bytes.TrimSpace(got.body), bytes.TrimSpace(r.body)) {
			t.Errorf("GET %s = %s, the write answered %s", self, got.body, r.body)
		}
		q := url.Values{}
		if w.list != "" {
			q.Set("filter", w.list)
		}
		listed := a.must(200, "GET", apiBase+w.collection+"?"+q.Encode(), nil)
		var page struct{ Value []json.RawMessage }
		json.Unmarshal(listed.body, &page)
		found := false
		for _, v := range page.Value {
			if bytes.Equal(v, bytes.TrimSpace(got.body)) {
				found = true
			}
		}
		if !found {
			t.Errorf("list %s?%s = %s does not hold %s", w.collection, q.Encode(), listed.body, got.body)
		}
		paths := jsonPaths(t, got.body)
		order := seedFields[w.collection]
		if !slices.IsSortedFunc(paths, func(x, y string) int { return slices.Index(order, x) - slices.Index(order, y) }) {
			t.Errorf("%s fields out of the seed's order: %q", w.collection, paths)
		}
		if seen[w.collection] == nil {
			seen[w.collection] = map[string]bool{}
		}
		for _, p := range paths {
			if !slices.Contains(order, p) {
				t.Errorf("%s has a field the seed does not list: %s", w.collection, p)
			}
			seen[w.collection][p] = true
		}
	}
	for collection, fields := range seedFields {
		for _, f := range fields {
			if !seen[collection][f] {
				t.Errorf("no %s read showed the seed field %s", collection, f)
			}
		}
	}

	// The change log holds one entry per write, in commit order, and the versions' strings
	// sort as the versions do.
	cs, err := a.store.Changes(context.Background(), a.tenant.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	written := 0
	for _, c := range cs {
		if c.Collection != shiftwire.CalculatedTotals && c.Collection != shiftwire.PaidPresences { // those are recalculated
			written++
		}
	}
	if written != 5+len(writes) {
		t.Fatalf("%d changes of the writes, want %d", written, 5+len(writes))
	}
	for i := 1; i < len(cs); i++ {
		if cs[i].Version != cs[i-1].Version+1 || cs[i].Version.String() <= cs[i-1].Version.String() {
			t.Fatalf("change %d: version %s after %s", i, cs[i].Version, cs[i-1].Version)
		}
	}
	if cs[len(cs)-1].Version.String() != lastVersion {
		t.Fatalf("the last change is %s; the last write answered %s", cs[len(cs)-1].Version, lastVersion)
	}
}

// TestBadWritesChangeNothing sends the bad writes of the issue: each is refused with the
// reason, and the change log does not move.
func TestBadWritesChangeNothing(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{})
	a.seedReferences()
	a.must(201, "POST", apiBase+"terminals", `{"id":7,"name":"Gate"}`)
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string // in the body
	}{
		{"time 2881", "POST", "clockings", `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":2881,"kind":"InOut"}`, 400, `{"field":"timeOfDayInMinutes","message":"must be from -1440 to 2880"}`},
		{"reason on InOut", "POST", "clockings", `{"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":480,"kind":"InOut","reason":{"id":1}}`, 400, `{"field":"reason","message":"is only allowed on a clocking of kind Reason, not InOut"}`},
		{"contract of a missing person", "POST", "contracts", `{"person":{"id":404},"from":"2024-01-01"}`, 400, `{"field":"person.id","message":"refers to people 404, which does not exist"}`},
		{"date that does not exist", "POST", "clockings", `{"person":{"id":1},"date":"2024-02-30","timeOfDayInMinutes":480,"kind":"InOut"}`, 400, `"field":"date"`},
		{"duplicate id", "POST", "terminals", `{"id":7,"name":"Other"}`, 409, `"message":"terminals 7 already exists; use PUT to replace it"`},
		{"every problem at once", "PUT", "clockings/5", `{"person":{"id":1},"date":"2024-02-30","timeOfDayInMinutes":2881,"kind":"Walk","extra":true}`, 400,
			`{"validationErrors":[{"field":"date","message":"must be a date written YYYY-MM-DD that exists, such as 2024-02-29; got \"2024-02-30\""},{"field":"timeOfDayInMinutes","message":"must be from -1440 to 2880"},{"field":"kind","message":"must be InOut, Reason, Activity or ActivityEnd; got \"Walk\""},{"field":"extra","message":"is not a known field"}]}`},
		{"not JSON", "POST", "people", `{"lastName":`, 400, `{"field":"","message":"the body's JSON is cut short after 12 bytes: expected a value"}`},
		{"bad path id", "PUT", "people/abc", `{"lastName":"x"}`, 400, `"reasons":["the id in the path must be an integer from 1 to 2147483647"]`},
		{"delete a missing object", "DELETE", "people/404", ``, 404, `"code":"NotFound"`},
		{"delete a missing clocking", "DELETE", "clockings/404", ``, 404, `"code":"NotFound"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := a.changeCount()
			r := a.do(tt.method, apiBase+tt.path, a.all, tt.body)
			if r.status != tt.status || !strings.Contains(string(r.body), tt.want) {
				t.Errorf("%s %s: %s, want %d with %s", tt.method, tt.path, r, tt.status, tt.want)
			}
			if after := a.changeCount(); after != before {
				t.Errorf("the change log moved from %d to %d entries", before, after)
			}
		})
	}
}

func TestPutAndDelete(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{})
	a.seedReferences()
	clocking := func(minutes int) string {
		return fmt.Sprintf(`{"id":99,"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":%d,"kind":"InOut"}`, minutes)
	}
	r := a.must(201, "PUT", apiBase+"clockings/7", clocking(480))
	if r.header.Get("Location") != apiBase+"clockings/7" || !strings.Contains(string(r.body), `"id":7,`) {
		t.Fatalf("PUT that creates: %s %v; the id of the path wins", r, r.header)
	}
	r = a.must(200, "PUT", apiBase+"clockings/7", clocking(470))
	if !strings.Contains(string(r.body), `"timeOfDayInMinutes":470,"originalTimeOfDayInMinutes":480,"calculatedTimeOfDayInMinutes":470`) {
		t.Fatalf("edit: %s", r.body)
	}
	r = a.must(200, "PUT", apiBase+"clockings/7", clocking(475))
	if !strings.Contains(string(r.body), `"originalTimeOfDayInMinutes":480`) {
		t.Fatalf("second edit lost the original time: %s", r.body)
	}

	a.must(204, "DELETE", apiBase+"clockings/7", nil)
	r = a.must(200, "GET", apiBase+"clockings/7", nil)
	if !strings.Contains(string(r.body), `"status":"Deleted"`) {
		t.Fatalf("a deleted clocking reads %s", r.body)
	}
	cs, _ := a.store.Changes(context.Background(), a.tenant.ID, 0, 100)
	for _, c := range cs {
		if c.Collection == shiftwire.Clockings && c.Type != shiftwire.InsertOrUpdate {
			t.Fatalf("deleting a clocking logged a %s change", c.Type)
		}
	}
	a.must(204, "DELETE", apiBase+"terminals/1", nil)
	a.must(404, "GET", apiBase+"terminals/1", nil)
	cs, _ = a.store.Changes(context.Background(), a.tenant.ID, 0, 100)
	if last := cs[len(cs)-1]; last.Type != shiftwire.Delete || last.ObjectID != 1 {
		t.Fatalf("deleting a terminal logged %+v", last)
	}
}

func TestListPagesAndFilters(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{})
	a.seedReferences()
	var body strings.Builder
	for i := range 250 {
		fmt.Fprintf(&body, `{"collection":"clockings","changeType":"InsertOrUpdate","data":{"person":{"id":%d},"date":"2024-01-%02d","timeOfDayInMinutes":%d,"kind":"InOut"}}`+"\n", i%2+1, i%28+1, i)
	}
	a.must(200, "POST", apiBase+"changes", body.String())

	filter := url.QueryEscape("date ge '2024-01-01' and date le '2024-01-31'")
	next := apiBase + "clockings?filter=" + filter
	var ids []int64
	pages := 0
	for next != "" {
		r := a.must(200, "GET", next, nil)
		var page struct {
			Value    []struct{ ID int64 }
			NextLink string
		}
		if err := json.Unmarshal(r.body, &page); err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Value {
			ids = append(ids, v.ID)
		}
		pages++
		if page.NextLink != "" && !strings.HasPrefix(page.NextLink, apiBase+"clockings?") {
			t.Fatalf("nextLink %q is not host-relative", page.NextLink)
		}
		next = page.NextLink
	}
	if len(ids) != 250 || pages != 3 || !slices.IsSorted(ids) {
		t.Fatalf("%d ids in %d pages, want 250 in 3, in id order", len(ids), pages)
	}

	r := a.must(200, "GET", apiBase+"clockings?filter="+url.QueryEscape("date eq '2024-01-01' and person eq 1"), nil)
	if n := strings.Count(string(r.body), `"id":`) - strings.Count(string(r.body), `"person":{"id":`); n != 9 {
		t.Fatalf("date eq and person eq: %d clockings in %s", n, r.body)
	}
	r = a.must(200, "GET", apiBase+"people", nil)
	if !strings.HasPrefix(string(r.body), `{"value":[{"changeVersion"`) || strings.Contains(string(r.body), "nextLink") {
		t.Fatalf("people: %s", r.body)
	}
	r = a.must(200, "GET", apiBase+"break-definitions", nil)
	if strings.TrimSpace(string(r.body)) != `{"value":[]}` {
		t.Fatalf("an empty list: %s", r.body)
	}

	for _, tt := range []struct {
		query  string
		status int
		want   string
	}{
		{"clockings", 400, "needs a filter with a date range"},
		{"clockings?filter=" + url.QueryEscape("date ge '2024-01-01' and date le '2025-06-01'"), 400, "longer than one year"},
		{"clockings?filter=" + url.QueryEscape("date eq '2024-01-01' and person ge 3"), 400, "person supports eq and in"},
		{"clockings?filter=" + url.QueryEscape("date eq '2024-01-01' and color eq 'red'"), 400, `unknown field \"color\"`},
		{"contracts?filter=" + url.QueryEscape("kind eq 'Addendum'"), 400, "accepts person"},
		{"clockings?filter=" + filter + "&continuationToken=garbage", 409, "continuation token is invalid"},
		{"clockings?filter=" + filter + "&externalReferences=(contracts,X)", 400, "invalid external references"},
		{"clockings/abc", 404, "not found"},
		{"clockings/0", 404, "not found"},
	} {
		r := a.do("GET", apiBase+tt.query, a.all, nil)
		if r.status != tt.status || !strings.Contains(string(r.body), tt.want) {
			t.Errorf("GET %s: %s, want %d with %s", tt.query, r, tt.status, tt.want)
		}
	}
}

func TestCollectionScopes(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{})
	read := a.token(shiftwire.ReadScope(shiftwire.Terminals))
	tests := []struct {
		method, path, token string
		status              int
		challenge           string
	}{
		{"GET", "terminals", "", 401, "Bearer"},
		{"GET", "terminals", "not-a-token", 401, `Bearer error="invalid_token"`},
		{"GET", "terminals", read, 200, ""},
		{"POST", "terminals", read, 401, `Bearer error="insufficient_scope", scope="connector-protimeapi-terminals.write"`},
		{"GET", "people", read, 401, `scope="connector-protimeapi-people.read"`},
		{"DELETE", "terminals/1", read, 401, `scope="connector-protimeapi-terminals.write"`},
	}
	for _, tt := range tests {
		r := a.do(tt.method, apiBase+tt.path, tt.token, `{"name":"x"}`)
		if r.status != tt.status || !strings.Contains(r.header.Get("WWW-Authenticate"), tt.challenge) {
			t.Errorf("%s %s: %s, WWW-Authenticate %q; want %d, %q", tt.method, tt.path, r, r.header.Get("WWW-Authenticate"), tt.status, tt.challenge)
		}
	}
	if r := a.doIn(openapitest.Unrouted(context.Background()), "PATCH", apiBase+"terminals/1", a.all, `{}`); r.status != 405 {
		t.Errorf("PATCH: %s, want 405", r)
	}
}

// TestReadsWithExternalReferences reads with ?externalReferences=: references are added to
// the referenced objects, and a reference of the collection itself can name the object.
func TestReadsWithExternalReferences(t *testing.T) {
	a := newCollectionAPI(t, httpapi.Config{})
	a.seedReferences()
	a.must(201, "POST", apiBase+"clockings", `{"id":1,"person":{"id":1},"date":"2024-01-02","timeOfDayInMinutes":480,"terminal":{"id":1},"kind":"InOut"}`)
	a.must(201, "POST", apiBase+"absence-groups", `{"id":4,"name":{"default":"Sickness"},"type":"Absence"}`)
	a.must(200, "PUT", apiBase+"external-references/people/1", `{"HRMID":"A-1"}`)
	a.must(200, "PUT", apiBase+"external-references/absence-groups/4", `{"code":"SICK-LEAVE"}`)

	refs := "&externalReferences=" + url.QueryEscape("(people,@badge-number)(people,HRMID)(terminals,@external-code)")
	r := a.must(200, "GET", apiBase+"clockings?filter="+url.QueryEscape("date eq '2024-01-02'")+refs, nil)
	if !strings.Contains(string(r.body), `"person":{"id":1,"externalReferences":{"@badge-number":"6767676","HRMID":"A-1"}}`) ||
		!strings.Contains(string(r.body), `"terminal":{"id":1,"externalReferences":{"@external-code":"T-FRONT"}}`) {
		t.Fatalf("list with references: %s", r.body)
	}
	r = a.must(200, "GET", apiBase+"clockings/1?externalReferences=(people,HRMID)", nil)
	if !strings.Contains(string(r.body), `"person":{"id":1,"externalReferences":{"HRMID":"A-1"}}`) {
		t.Fatalf("get with references: %s", r.body)
	}
	r = a.must(200, "GET", apiBase+"absence-groups/SICK-LEAVE?externalReferences=(absence-groups,code)", nil)
	if !strings.Contains(string(r.body), `"id":4,`) || !strings.HasSuffix(strings.TrimSpace(string(r.body)), `"externalReferences":{"code":"SICK-LEAVE"}}`) {
		t.Fatalf("get by custom reference: %s", r.body)
	}
	r = a.must(200, "GET", apiBase+"people/6767676?externalReferences=(people,@badge-number)", nil)
	if !strings.Contains(string(r.body), `"id":1,`) {
		t.Fatalf("get by badge number: %s", r.body)
	}
	a.must(404, "GET", apiBase+"absence-groups/NOPE?externalReferences=(absence-groups,code)", nil)
	a.must(404, "GET", apiBase+"absence-groups/NOPE", nil)
	a.must(400, "GET", apiBase+"absence-groups/4?externalReferences=(people,HRMID)", nil)
	a.must(400, "GET", apiBase+"people/1?externalReferences=people", nil)
}

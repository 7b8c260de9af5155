package httpapi

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shiftwire/shiftwire"
)

// buildOpenAPI builds the OpenAPI document of the API: the routes of routes.go by hand,
// with the status codes their handlers and middleware answer, and every body's schema
// derived from the Go type the handler renders (schemas). The collections' routes and
// schemas come from the registry, as the routes themselves do. TestOpenAPIDocument keeps
// openapi.json equal to what this returns.
func buildOpenAPI(t *testing.T) obj {
	t.Helper()
	b := &docBuilder{s: newSchemas(t, "../.."), paths: obj{}}
	b.s.names[reflect.TypeFor[webhookJSON]()] = "Webhook"
	b.s.names[reflect.TypeFor[attemptJSON]()] = "DeliveryAttempt"
	b.s.names[reflect.TypeFor[attemptDetailJSON]()] = "DeliveryAttemptDetail"
	b.s.names[reflect.TypeFor[errorBody]()] = "Error"
	b.s.names[reflect.TypeFor[errorDetail]()] = "ErrorDetail"
	b.s.names[reflect.TypeFor[changesResult]()] = "ChangesResult"
	b.s.names[reflect.TypeFor[oauthError]()] = "OAuthError"
	for _, ct := range shiftwire.Collections() {
		b.s.learnEnums(t, ct)
	}
	var subscribable []string
	for _, ct := range shiftwire.Collections() {
		if ct.Subscribable {
			subscribable = append(subscribable, ct.Name)
		}
	}
	b.s.fieldEnums[reflect.TypeFor[webhookJSON]()] = map[string][]string{"collectionName": subscribable}
	// The times the API renders, as RFC 3339 with the tenant's offset.
	b.s.setFormat(reflect.TypeFor[webhookJSON](), "validUntil", "date-time")
	b.s.setFormat(reflect.TypeFor[attemptJSON](), "attemptedAt", "date-time")
	b.s.setFormat(reflect.TypeFor[attemptJSON](), "nextAttemptAt", "date-time")
	// The named types the operations refer to by name.
	for _, typ := range []reflect.Type{
		reflect.TypeFor[webhookJSON](), reflect.TypeFor[attemptJSON](), reflect.TypeFor[attemptDetailJSON](),
		reflect.TypeFor[shiftwire.ChangeVersion](), reflect.TypeFor[shiftwire.IDRef](),
	} {
		b.s.of(typ)
	}

	b.tokenRoutes()
	b.webhookRoutes()
	b.operationRoutes()
	for _, ct := range shiftwire.Collections() {
		b.collectionRoutes(ct)
	}
	b.bulkRoutes()
	b.operationsRoutes()
	b.errorSchemas()
	b.eventSchemas()

	scopes := obj{}
	for _, s := range shiftwire.AllScopes() {
		scopes[s] = "granted to clients that hold it"
	}
	return obj{
		"openapi": "3.0.3",
		"info": obj{
			"title":   "Shiftwire API",
			"version": "1",
			"description": "The Protime API webhook system and the collections behind it, as Shiftwire serves it, with Shiftwire's extensions.\n\n" +
				"The tenant is the first label of the Host header under the base domain (`acme.localhost:8080` is tenant `acme`); " +
				"other hosts reach the default tenant. Every connector API request needs a `User-Agent` and a bearer token from the tenant's token endpoint.\n\n" +
				"A route called with a method it does not have answers 405 `MethodNotAllowed` with an `Allow` header, and a path that is no route answers 404 `NotFound`, both in the error format below. " +
				"Any request whose URI is longer than 4,096 characters answers 414 `UriTooLong`. Every answer carries an `X-Request-Id` header, also in the request's log line.\n\n" +
				"Webhook events are POSTed to the destination as the collection's `<Collection>Change` schema (or `{\"value\":[change,...]}` in batch mode), signed with the Standard Webhooks headers; " +
				"`PingEvent` and `LifecycleNotification` are the other bodies receivers get.",
		},
		"tags": []any{
			obj{"name": "auth", "description": "OAuth2 client credentials and OpenID discovery, per tenant."},
			obj{"name": "webhooks", "description": "Webhook management and the debugging endpoints."},
			obj{"name": "webhook operations", "description": "Shiftwire's extensions under a webhook's path (SPEC section 14)."},
			obj{"name": "collections", "description": "Reads and writes of every collection, bulk changes and custom external references."},
			obj{"name": "delta", "description": "A collection's changes since a deltaToken."},
			obj{"name": "operations", "description": "Health, readiness, metrics and this document."},
		},
		"paths": b.paths,
		"components": obj{
			"schemas":    b.s.components,
			"parameters": b.parameters(),
			"responses":  b.responses(),
			"headers":    headers(),
			"securitySchemes": obj{
				"oauth2": obj{
					"type":        "oauth2",
					"description": "Client credentials per tenant: POST /tenants/{tenant}/connect/token. The token URL below is the demo tenant's on a --dev server.",
					"flows": obj{"clientCredentials": obj{
						"tokenUrl": "http://127.0.0.1:8080/tenants/demo/connect/token",
						"scopes":   scopes,
					}},
				},
			},
		},
	}
}

// docBuilder collects the paths of the document.
type docBuilder struct {
	s     *schemas
	paths obj
}

// op is one operation before it is added.
type op struct {
	method, path string
	id           string
	tag          string
	summary      string
	description  string
	scopes       []string // the token's scopes it needs; nil for no token
	params       []any
	body         obj         // the request body, if any
	responses    map[int]any // status -> response
	reads        bool        // it reads a request body: 408 and 413 are possible
	connector    bool        // behind connector(): tenant, User-Agent, token, rate limit
}

// add adds o to the paths, with the responses of the middleware its route goes through.
func (b *docBuilder) add(o op) {
	if o.responses == nil {
		o.responses = map[int]any{}
	}
	set := func(status int, name string) {
		if _, ok := o.responses[status]; !ok {
			o.responses[status] = respRef(name)
		}
	}
	set(http.StatusRequestURITooLong, "UriTooLong")
	set(http.StatusInternalServerError, "InternalServerError")
	if o.connector {
		set(http.StatusBadRequest, "BadRequest")
		set(http.StatusUnauthorized, "Unauthorized")
		set(http.StatusNotFound, "NotFound")
		set(http.StatusTooManyRequests, "TooManyRequests")
		o.params = append([]any{paramRef("userAgent")}, o.params...)
	}
	if o.reads {
		set(http.StatusBadRequest, "BadRequest")
		set(http.StatusRequestTimeout, "RequestTimeout")
		set(http.StatusRequestEntityTooLarge, "PayloadTooLarge")
	}
	responses := obj{}
	for status, r := range o.responses {
		responses[strconv.Itoa(status)] = r
	}
	operation := obj{
		"operationId": o.id,
		"tags":        []any{o.tag},
		"summary":     o.summary,
		"responses":   responses,
	}
	if o.description != "" {
		operation["description"] = o.description
	}
	if o.scopes != nil {
		operation["security"] = []any{obj{"oauth2": o.scopes}}
	} else {
		operation["security"] = []any{}
	}
	if len(o.params) > 0 {
		operation["parameters"] = o.params
	}
	if o.body != nil {
		operation["requestBody"] = o.body
	}
	item, _ := b.paths[o.path].(obj)
	if item == nil {
		item = obj{}
		b.paths[o.path] = item
	}
	m := strings.ToLower(o.method)
	if _, dup := item[m]; dup {
		panic("openapi: " + o.method + " " + o.path + " twice")
	}
	item[m] = operation
}

func respRef(name string) obj  { return obj{"$ref": "#/components/responses/" + name} }
func paramRef(name string) obj { return obj{"$ref": "#/components/parameters/" + name} }

// jsonBody is a response or request content of JSON described by schema.
func jsonBody(schema any) obj {
	return obj{"application/json": obj{"schema": schema}}
}

// response is a response with a JSON body of schema (nil: no body) and headers.
func response(description string, schema any, headers ...string) obj {
	r := obj{"description": description}
	if schema != nil {
		r["content"] = jsonBody(schema)
	}
	if len(headers) > 0 {
		h := obj{}
		for _, name := range headers {
			h[name] = headerRef(name)
		}
		r["headers"] = h
	}
	return r
}

// headerRef refers to the component header name.
func headerRef(name string) obj { return obj{"$ref": "#/components/headers/" + name} }

// requestBody is a required JSON request body of schema.
func requestBody(description string, schema any) obj {
	return obj{"required": true, "description": description, "content": jsonBody(schema)}
}

// pathParam is a required path parameter.
func pathParam(name, description string, schema obj) obj {
	return obj{"name": name, "in": "path", "required": true, "description": description, "schema": schema}
}

// queryParam is an optional query parameter.
func queryParam(name, description string, schema obj) obj {
	return obj{"name": name, "in": "query", "description": description, "schema": schema}
}

var stringSchema = obj{"type": "string"}

// listOf is the schema of a page of items.
func listOf(items any, description string) obj {
	return obj{
		"type":                 "object",
		"description":          description,
		"additionalProperties": false,
		"required":             []any{"value"},
		"properties": obj{
			"value":    obj{"type": "array", "items": items},
			"nextLink": obj{"type": "string", "description": "The host-relative link to the next page; absent on the last."},
		},
	}
}

func (b *docBuilder) tokenRoutes() {
	tenant := pathParam("tenant", "The tenant's name.", stringSchema)
	tokenResponse := obj{
		"type": "object", "additionalProperties": false,
		"required": []any{"access_token", "expires_in", "token_type", "scope"},
		"properties": obj{
			"access_token": obj{"type": "string", "description": "A signed JWT for the tenant, client and scopes."},
			"expires_in":   obj{"type": "integer", "description": "Seconds the token is valid: 1800."},
			"token_type":   obj{"type": "string", "enum": []any{"Bearer"}},
			"scope":        obj{"type": "string", "description": "The scopes granted, space-separated."},
		},
	}
	b.add(op{
		method: "POST", path: "/tenants/{tenant}/connect/token", id: "token", tag: "auth",
		summary:     "Get an access token (OAuth2 client credentials)",
		description: "Client credentials in the form (client_id, client_secret) or in HTTP Basic authentication. Without scope the token holds every scope of the client. Failed requests are rate-limited per client and source address.",
		params:      []any{tenant},
		body: obj{"required": true, "content": obj{"application/x-www-form-urlencoded": obj{"schema": obj{
			"type":     "object",
			"required": []any{"grant_type"},
			"properties": obj{
				"grant_type":    obj{"type": "string", "enum": []any{"client_credentials"}},
				"client_id":     stringSchema,
				"client_secret": stringSchema,
				"scope":         obj{"type": "string", "description": "Space-separated scopes; a subset of the client's."},
			},
		}}}},
		responses: map[int]any{
			200: obj{"description": "The token.", "content": jsonBody(tokenResponse), "headers": obj{"Cache-Control": headerRef("Cache-Control")}},
			400: response("An OAuth2 error: invalid_request (also for a form that could not be read, or is larger than 64 KiB), unsupported_grant_type or invalid_scope.", schemaRef("OAuthError")),
			401: response("An OAuth2 invalid_client error: unknown client or wrong secret. With Basic authentication it carries WWW-Authenticate: Basic.", schemaRef("OAuthError")),
			404: respRef("NotFound"),
			429: respRef("TooManyRequests"),
		},
	})
	b.add(op{
		method: "GET", path: "/tenants/{tenant}/.well-known/openid-configuration", id: "openidConfiguration", tag: "auth",
		summary: "The tenant's OpenID configuration", params: []any{tenant},
		responses: map[int]any{
			200: response("The discovery document: issuer, jwks_uri, token_endpoint, the grant types, authentication methods and scopes supported.", obj{
				"type":     "object",
				"required": []any{"issuer", "jwks_uri", "token_endpoint", "grant_types_supported", "scopes_supported"},
				"properties": obj{
					"issuer":                obj{"type": "string"},
					"jwks_uri":              obj{"type": "string"},
					"token_endpoint":        obj{"type": "string"},
					"grant_types_supported": obj{"type": "array", "items": stringSchema},
					"scopes_supported":      obj{"type": "array", "items": stringSchema},
				},
			}),
			404: respRef("NotFound"),
		},
	})
	b.add(op{
		method: "GET", path: "/tenants/{tenant}/.well-known/openid-configuration/jwks", id: "jwks", tag: "auth",
		summary: "The public keys that verify the tenant's access tokens", params: []any{tenant},
		responses: map[int]any{
			200: response("A JSON Web Key Set.", obj{
				"type":       "object",
				"required":   []any{"keys"},
				"properties": obj{"keys": obj{"type": "array", "items": obj{"type": "object", "required": []any{"kty"}}}},
			}),
			404: respRef("NotFound"),
		},
	})
}

const webhooksBase = "/connector/protimeapi/api/v1/webhooks"

var webhookID = pathParam("id", "The webhook's id, a GUID.", stringSchema)

func (b *docBuilder) webhookRoutes() {
	created := b.s.of(reflect.TypeFor[struct {
		ID  string `json:"id"`
		Key string `json:"key"`
		webhookJSON
	}]())
	created["description"] = "The new webhook with its signing key, shown only here."
	b.s.components["WebhookCreated"] = created
	b.s.components["WebhookCreate"] = obj{
		"type":                 "object",
		"additionalProperties": false,
		"required":             []any{"destinationUrl", "collectionName"},
		"properties": obj{
			"destinationUrl": obj{"type": "string", "maxLength": 2048,
				"description": "An absolute https URL without user-info; http and private or loopback addresses only where the server allows them."},
			"collectionName": obj{"type": "string", "enum": b.s.fieldEnums[reflect.TypeFor[webhookJSON]()]["collectionName"]},
			"lifecycleNotificationUrl": obj{"type": "string", "maxLength": 2048,
				"description": "Where lifecycle notifications (ExpiringSoon, Disabled, DeliveryFailing, DeliveryRecovered) are sent, signed as events are; the same rules as destinationUrl. A Shiftwire extension."},
		},
	}
	read, write := []string{shiftwire.ScopeWebhooksRead}, []string{shiftwire.ScopeWebhooksWrite}
	b.add(op{
		method: "POST", path: webhooksBase, id: "createWebhook", tag: "webhooks", connector: true, reads: true, scopes: write,
		summary:     "Subscribe a destination to a collection's changes",
		description: "Needs the collection's read scope besides webhooks.write. The webhook receives every change committed after its creation.",
		params: []any{
			paramRef("webhookExternalReferences"),
			queryParam("batchSize", "Opt-in batch mode: up to this many events per request, as {\"value\":[event,...]}.", obj{"type": "integer", "minimum": 1, "maximum": shiftwire.MaxBatchSize}),
		},
		body: requestBody("The destination and the collection.", schemaRef("WebhookCreate")),
		responses: map[int]any{
			201: response("Created.", schemaRef("WebhookCreated"), "Location"),
		},
	})
	b.add(op{
		method: "GET", path: webhooksBase, id: "listWebhooks", tag: "webhooks", connector: true, scopes: read,
		summary: "The tenant's webhooks, in creation order, 100 a page",
		params: []any{
			queryParam("filter", "Protime's filter grammar over status and collection-name: status eq 'Disabled', collection-name in ('clockings','contracts') and status eq 'Enabled'.", stringSchema),
			paramRef("continuationToken"),
		},
		responses: map[int]any{
			200: response("A page of webhooks.", listOf(schemaRef("Webhook"), "")),
			409: respRef("Conflict"),
		},
	})
	b.add(op{
		method: "GET", path: webhooksBase + "/{id}", id: "getWebhook", tag: "webhooks", connector: true, scopes: read,
		summary: "One webhook", params: []any{webhookID},
		responses: map[int]any{200: response("The webhook.", schemaRef("Webhook"))},
	})
	b.add(op{
		method: "DELETE", path: webhooksBase + "/{id}", id: "deleteWebhook", tag: "webhooks", connector: true, scopes: write,
		summary:     "Delete a webhook (a soft delete)",
		description: "Deliveries stop; the webhook stays readable as Disabled with disabledReason Deleted. Needs the collection's read scope besides webhooks.write.",
		params:      []any{webhookID},
		responses:   map[int]any{204: response("Deleted.", nil)},
	})
	b.add(op{
		method: "GET", path: webhooksBase + "/{id}/deliveries", id: "listDeliveries", tag: "webhooks", connector: true, scopes: read,
		summary: "The webhook's delivery attempts, newest first, 100 a page",
		params: []any{webhookID,
			queryParam("filter", "outcome (eq, in), status-code (eq, in, ge, le) and change-version (eq), with and, or and parentheses.", stringSchema),
			paramRef("continuationToken"),
		},
		responses: map[int]any{
			200: response("A page of attempts.", listOf(schemaRef("DeliveryAttempt"), "")),
			409: respRef("Conflict"),
		},
	})
	b.add(op{
		method: "GET", path: webhooksBase + "/{id}/deliveries/{deliveryId}", id: "getDelivery", tag: "webhooks", connector: true, scopes: read,
		summary:     "One delivery attempt with the request sent and the start of the answer",
		description: "The request's headers include the signature headers; the signing key is never shown. The response body is cut at 4 KiB.",
		params:      []any{webhookID, deliveryID},
		responses:   map[int]any{200: response("The attempt.", schemaRef("DeliveryAttemptDetail"))},
	})
}

var deliveryID = pathParam("deliveryId", "The attempt's id.", stringSchema)

// operationRoutes adds the webhook operations of SPEC section 14.
func (b *docBuilder) operationRoutes() {
	counter := func(name string) obj {
		return obj{"type": "object", "additionalProperties": false, "required": []any{name},
			"properties": obj{name: obj{"type": "integer", "minimum": 0}}}
	}
	// Every operation is a POST under the webhook's path, needs webhooks.write and the
	// collection's read scope, and answers 409 on a disabled webhook.
	post := func(o op) {
		o.method, o.tag, o.connector, o.scopes = "POST", "webhook operations", true, []string{shiftwire.ScopeWebhooksWrite}
		o.description += " Needs the collection's read scope besides webhooks.write. A disabled webhook answers 409; another tenant's, 404."
		o.responses[http.StatusConflict] = respRef("Conflict")
		b.add(o)
	}
	post(op{
		path: webhooksBase + "/{id}/ping", id: "pingWebhook", params: []any{webhookID},
		summary:     "Send one signed Ping event now and wait for the answer",
		description: "The event is {\"changeType\":\"Ping\",\"data\":{\"webhookId\",\"sentAt\"}}; the attempt is recorded in the debugging endpoints. It does not touch the webhook's queue or failure tracking.",
		responses:   map[int]any{200: response("The attempt, as the debugging endpoints show it.", schemaRef("DeliveryAttempt"))},
	})
	post(op{
		path: webhooksBase + "/{id}/retry", id: "retryWebhook", params: []any{webhookID},
		summary:   "Make every delivery waiting for a retry due now",
		responses: map[int]any{202: response("How many deliveries were made due.", counter("retried"))},
	})
	post(op{
		path: webhooksBase + "/{id}/deliveries/{deliveryId}/resend", id: "resendDelivery", params: []any{webhookID, deliveryID},
		summary:     "Queue the changes of one attempt again",
		description: "They are queued behind their objects' lanes, with the same webhook-id as before; a change still queued is not queued twice. An attempt that carried no changes (a ping, a lifecycle notification) is 400.",
		responses:   map[int]any{202: response("How many changes were queued.", counter("resent"))},
	})
	post(op{
		path: webhooksBase + "/{id}/recover", id: "recoverWebhook", params: []any{webhookID}, reads: true,
		summary: "Queue again every change committed after a time",
		description: "Every change of the webhook's collection committed after both since and the webhook's creation is queued again, in order. " +
			"since in the future, or older than the change log is kept (--delivery-log-retention, 7 days by default), is 400 with the oldest time allowed.",
		body: requestBody("Since when.", obj{"type": "object", "additionalProperties": false, "required": []any{"since"},
			"properties": obj{"since": obj{"type": "string", "description": "An ISO 8601 time with its offset, or a date: its midnight in the tenant's time zone."}}}),
		responses: map[int]any{202: response("How many changes were queued.", counter("recovered"))},
	})
	post(op{
		path: webhooksBase + "/{id}/rotate-key", id: "rotateWebhookKey", params: []any{webhookID},
		summary:     "Replace the signing key",
		description: "For --key-overlap (24 h by default) every request carries two signatures, the new key's first; then only the new key signs.",
		responses: map[int]any{200: response("The new key, shown only here.", obj{"type": "object", "additionalProperties": false, "required": []any{"key"},
			"properties": obj{"key": obj{"type": "string", "pattern": "^whsec_"}}})},
	})
}

const collectionsBase = "/connector/protimeapi/api/v1/"

// collectionRoutes adds the reads, writes and delta of collection ct and its schemas.
func (b *docBuilder) collectionRoutes(ct *shiftwire.CollectionType) {
	typ := reflect.TypeOf(ct.New()).Elem()
	name := typ.Name()
	object := b.s.object(typ)
	object["properties"].(obj)["changeVersion"] = schemaRef("ChangeVersion")
	object["properties"].(obj)["externalReferences"] = schemaRef("ExternalReferenceValues")
	object["required"] = append([]string{"changeVersion"}, object["required"].([]string)...)
	slices.Sort(object["required"].([]string))
	object["description"] = fmt.Sprintf("An object of the %s collection, as reads, events and deltas show it.", ct.Name)
	b.s.components[name] = object
	writeProps := obj{}
	for field, p := range object["properties"].(obj) {
		writeProps[field] = b.s.writable(p)
	}
	write := obj{"type": "object", "additionalProperties": false, "properties": writeProps,
		"description": fmt.Sprintf("A write body of the %s collection. Which fields are required, and every rule, are in docs/collections.md; "+
			"problems are answered 400 with validationErrors. changeVersion, externalReferences and the fields the server computes are ignored.", ct.Name)}
	b.s.components[name+"Write"] = write
	b.s.components[name+"Change"] = obj{
		"type": "object", "additionalProperties": false, "required": []any{"changeType", "data"},
		"description": "One change of the collection: a delta item and the body of a webhook event.",
		"properties": obj{
			"changeType": schemaRef("ChangeType"),
			"data":       obj{"anyOf": []any{schemaRef(name), schemaRef("DeletedObject")}},
		},
	}

	read, writeScope := []string{ct.ReadScope()}, []string{ct.WriteScope()}
	base := collectionsBase + ct.Name
	camel := camelCase(ct.Name)
	objectID := pathParam("id", "The object's id.", obj{"type": "integer", "minimum": 1, "maximum": shiftwire.MaxObjectID})

	filter := queryParam("filter", filterDescription(ct), stringSchema)
	delta := queryParam("delta", "Start a delta: the answer is the initial sync of every object, whose last page carries deltaLink. Any filter with delta is 400.", stringSchema)
	delta["allowEmptyValue"] = true
	sync := listOf(schemaRef(name), "A page of objects. With ?delta, the last page of the initial sync carries deltaLink instead of nextLink.")
	sync["properties"].(obj)["deltaLink"] = obj{"type": "string", "description": "The link to the changes after this sync."}
	b.add(op{
		method: "GET", path: base, id: "list" + camel, tag: "collections", connector: true, scopes: read,
		summary: "The " + ct.Name + " the filter selects, in id order, 100 a page",
		params:  []any{filter, paramRef("readExternalReferences"), paramRef("continuationToken"), delta},
		responses: map[int]any{
			200: response("A page.", sync),
			409: respRef("Conflict"),
		},
	})
	b.add(op{
		method: "GET", path: base + "/{id}", id: "get" + singular(camel), tag: "collections", connector: true, scopes: read,
		summary:     "One object of " + ct.Name,
		description: "With ?externalReferences= naming a reference of the collection itself, the path may be that reference's value instead of the id.",
		params: []any{pathParam("id", "The object's id, or the value of the external reference ?externalReferences= names.", stringSchema),
			paramRef("readExternalReferences"),
			obj{"name": "If-None-Match", "in": "header", "description": "The ETag of a copy the client has: 304 when it is current.", "schema": stringSchema},
			obj{"name": "If-Match", "in": "header", "description": "Answer only when this is the object's current ETag; otherwise 409.", "schema": stringSchema}},
		responses: map[int]any{
			200: response("The object.", schemaRef(name), "ETag"),
			304: obj{"description": "Not modified: If-None-Match names the current version.", "headers": obj{"ETag": headerRef("ETag")}},
			409: respRef("Conflict"),
		},
	})
	precondition := []any{
		obj{"name": "If-Match", "in": "header", "description": "Write only when this is the object's current ETag; otherwise 409.", "schema": stringSchema},
		obj{"name": "If-None-Match", "in": "header", "description": "* writes only when the object does not exist; otherwise 409.", "schema": stringSchema},
	}
	b.add(op{
		method: "POST", path: base, id: "create" + singular(camel), tag: "collections", connector: true, reads: true, scopes: writeScope,
		summary:     "Create an object of " + ct.Name,
		description: "An id in the body is kept (an upsert by id is PUT); one that exists is 409. Without one the server assigns it.",
		body:        requestBody("The object.", schemaRef(name+"Write")),
		responses: map[int]any{
			201: response("Created.", schemaRef(name), "Location", "ETag"),
			409: respRef("Conflict"),
		},
	})
	b.add(op{
		method: "PUT", path: base + "/{id}", id: "put" + singular(camel), tag: "collections", connector: true, reads: true, scopes: writeScope,
		summary: "Replace, or create, an object of " + ct.Name,
		params:  append([]any{objectID}, precondition...),
		body:    requestBody("The whole object.", schemaRef(name+"Write")),
		responses: map[int]any{
			200: response("Replaced.", schemaRef(name)),
			201: response("Created.", schemaRef(name), "Location"),
			409: respRef("Conflict"),
		},
	})
	deleteDesc := "Removes the object."
	if ct.SoftDelete != nil {
		deleteDesc = "Keeps the object, marked deleted: an InsertOrUpdate event."
	}
	b.add(op{
		method: "DELETE", path: base + "/{id}", id: "delete" + singular(camel), tag: "collections", connector: true, scopes: writeScope,
		summary: "Delete an object of " + ct.Name, description: deleteDesc,
		params: append([]any{pathParam("id", "The object's id.", stringSchema)}, precondition...),
		responses: map[int]any{
			204: response("Deleted.", nil),
			409: respRef("Conflict"),
		},
	})
	page := obj{
		"type": "object", "additionalProperties": false, "required": []any{"value"},
		"description": "Changes in changeVersion order, each object at most once with its latest state. A page with more carries nextLink; the last carries the next deltaLink.",
		"properties": obj{
			"value":     obj{"type": "array", "items": schemaRef(name + "Change")},
			"nextLink":  obj{"type": "string"},
			"deltaLink": obj{"type": "string"},
		},
	}
	b.add(op{
		method: "GET", path: collectionsBase + "delta/" + ct.Name, id: "delta" + camel, tag: "delta", connector: true, scopes: read,
		summary: "The changes of " + ct.Name + " since a deltaToken",
		params: []any{
			obj{"name": "deltaToken", "in": "query", "required": true, "description": "From the deltaLink of the last answer; one that does not decode is 400, one replaced by a newer delta or unused for 72 hours is 410.", "schema": stringSchema},
			paramRef("readExternalReferences"), paramRef("continuationToken"),
		},
		responses: map[int]any{
			200: response("A page of changes.", page),
			409: respRef("Conflict"),
			410: respRef("Gone"),
		},
	})
}

// filterDescription lists the filter fields of ct.
func filterDescription(ct *shiftwire.CollectionType) string {
	if len(ct.Filters) == 0 {
		return "Protime's filter grammar; this collection has no filter fields."
	}
	var parts []string
	for _, f := range ct.Filters {
		switch f.Kind {
		case shiftwire.FilterIDs:
			parts = append(parts, f.Name+" (eq, in: ids)")
		case shiftwire.FilterValues:
			parts = append(parts, f.Name+" (eq, in: "+strings.Join(f.Values, ", ")+")")
		case shiftwire.FilterDateRange:
			s := f.Name + " (eq, ge, le: YYYY-MM-DD)"
			if f.Range == shiftwire.RequiredYearRange {
				s += ", required: a range of at most a year"
			}
			parts = append(parts, s)
		}
	}
	return "Protime's filter grammar over " + strings.Join(parts, "; ") + ". Another field is 400."
}

func (b *docBuilder) bulkRoutes() {
	var collections []any
	for _, ct := range shiftwire.Collections() {
		collections = append(collections, ct.Name)
	}
	line := obj{
		"type": "object", "required": []any{"collection", "changeType", "data"},
		"properties": obj{
			"collection": obj{"type": "string", "enum": collections},
			"changeType": schemaRef("ChangeType"),
			"data":       obj{"type": "object", "description": "The object's write body; for Delete, {\"id\":N}. data.id on an insert makes it an upsert by id."},
		},
	}
	b.add(op{
		method: "POST", path: collectionsBase + "changes", id: "postChanges", tag: "collections", connector: true, reads: true, scopes: []string{},
		summary: "Write many changes in one transaction, all or nothing",
		description: "A JSON array or NDJSON of change lines. The token needs the write scope of every line's collection; one without any write scope is refused before the body is read. " +
			"Problems are answered 400 with every problem, each named by its line. At most a few bulk requests run at once: 429 with Retry-After beyond.",
		body: obj{"description": "An empty body applies nothing.", "content": obj{
			"application/json":     obj{"schema": obj{"type": "array", "items": line}},
			"application/x-ndjson": obj{"schema": obj{"type": "string", "description": "One change line of JSON per line."}},
		}},
		responses: map[int]any{200: response("Applied.", schemaRef("ChangesResult"))},
	})
	var referenced []any
	for _, ct := range shiftwire.Collections() {
		referenced = append(referenced, ct.Name)
	}
	refsPath := collectionsBase + "external-references/{collection}/{id}"
	params := []any{
		pathParam("collection", "The object's collection; an unknown one is 404.", stringSchema),
		pathParam("id", "The object's id.", stringSchema),
	}
	b.add(op{
		method: "PUT", path: refsPath, id: "putExternalReferences", tag: "collections", connector: true, reads: true,
		scopes:  []string{shiftwire.ScopeExternalReferencesWrite},
		summary: "Replace the custom external references of one object",
		params:  params,
		body: requestBody("The custom references by name; an empty value removes one.",
			obj{"type": "object", "additionalProperties": stringSchema}),
		responses: map[int]any{200: response("The custom references kept.", schemaRef("ExternalReferenceValues"))},
	})
	b.add(op{
		method: "GET", path: refsPath, id: "getExternalReferences", tag: "collections", connector: true,
		scopes:      []string{},
		summary:     "Every external reference of one object",
		description: "The predefined references its fields give and the custom ones. Needs the collection's read scope.",
		params:      params,
		responses:   map[int]any{200: response("The references by name.", schemaRef("ExternalReferenceValues"))},
	})
}

func (b *docBuilder) operationsRoutes() {
	status := obj{"type": "object", "additionalProperties": false, "required": []any{"status"},
		"properties": obj{"status": obj{"type": "string", "enum": []any{"ok", "unavailable"}}}}
	b.add(op{method: "GET", path: "/healthz", id: "healthz", tag: "operations", summary: "Alive",
		responses: map[int]any{200: response("The process is alive.", status)}})
	b.add(op{method: "GET", path: "/readyz", id: "readyz", tag: "operations", summary: "Ready: the database is reachable and migrated",
		responses: map[int]any{200: response("Ready.", status), 503: response("Not ready.", status)}})
	b.add(op{method: "GET", path: "/metrics", id: "metrics", tag: "operations", summary: "Prometheus metrics",
		description: "Served here unless --metrics-addr moves them to a listener of their own.",
		responses: map[int]any{
			200: obj{"description": "The metrics in Prometheus' text format.", "content": obj{"text/plain": obj{"schema": stringSchema}}},
			404: response("--metrics-addr serves the metrics on a listener of their own.", schemaRef("Error")),
		}})
	b.add(op{method: "GET", path: "/openapi.json", id: "openapi", tag: "operations", summary: "This document",
		responses: map[int]any{200: response("The OpenAPI document.", obj{"type": "object"})}})
}

// errorSchemas adds the schemas of the error bodies and the values shared by every
// collection.
func (b *docBuilder) errorSchemas() {
	b.s.of(reflect.TypeFor[errorBody]())
	var codes []string
	for _, st := range statuses {
		codes = append(codes, st.name)
	}
	codes = append(codes, "RequestTimeout")
	slices.Sort(codes)
	detail := b.s.components["ErrorDetail"].(obj)
	detail["properties"].(obj)["code"] = obj{"type": "string", "enum": codes, "description": "The status's name in PascalCase."}
	detail["properties"].(obj)["requestId"] = obj{"type": "string", "description": "On a 500: the id of the log line that tells what happened."}
	b.s.components["ValidationErrors"] = obj{
		"type": "object", "additionalProperties": false, "required": []any{"validationErrors"},
		"description": "A body that failed validation: one entry per problem.",
		"properties":  obj{"validationErrors": b.s.of(reflect.TypeFor[shiftwire.ValidationErrors]())},
	}
	b.s.of(reflect.TypeFor[oauthError]())
	b.s.of(reflect.TypeFor[changesResult]())
	b.s.of(reflect.TypeFor[shiftwire.ChangeType]())
	b.s.components["ExternalReferenceValues"] = obj{"type": "object", "additionalProperties": stringSchema,
		"description": "External references by name (@badge-number, or a custom name) to their values."}
	b.s.components["DeletedObject"] = obj{
		"type": "object", "additionalProperties": false, "required": []any{"id", "changeVersion"},
		"description": "The data of a Delete change.",
		"properties":  obj{"id": obj{"type": "integer"}, "changeVersion": schemaRef("ChangeVersion")},
	}
	idref := b.s.components["IDRef"].(obj)
	idref["properties"].(obj)["externalReferences"] = schemaRef("ExternalReferenceValues")
	idref["description"] = "A reference to another object; with ?externalReferences= it carries the selected references' values."
}

// eventSchemas adds the bodies Shiftwire POSTs to receivers besides a collection's changes
// (the <Collection>Change schemas): a ping and a lifecycle notification. No operation
// answers them; they are here for the receivers' code.
func (b *docBuilder) eventSchemas() {
	b.s.components["PingEvent"] = obj{
		"type": "object", "additionalProperties": false, "required": []any{"changeType", "data"},
		"description": "The body POST /webhooks/{id}/ping sends to the destination, signed as events are.",
		"properties": obj{
			"changeType": obj{"type": "string", "enum": []any{"Ping"}},
			"data": obj{"type": "object", "additionalProperties": false, "required": []any{"webhookId", "sentAt"},
				"properties": obj{"webhookId": stringSchema, "sentAt": obj{"type": "string", "description": "RFC 3339, UTC."}}},
		},
	}
	webhook := obj{
		"type": "object", "additionalProperties": false,
		"required": []any{"id", "status", "validUntil", "destinationUrl", "collectionName"},
		"properties": obj{
			"id": stringSchema, "status": b.s.of(reflect.TypeFor[shiftwire.WebhookStatus]()),
			"disabledReason": b.s.of(reflect.TypeFor[shiftwire.DisabledReason]()),
			"validUntil":     stringSchema, "destinationUrl": stringSchema, "collectionName": stringSchema,
		},
	}
	b.s.components["LifecycleNotification"] = obj{
		"type": "object", "additionalProperties": false, "required": []any{"lifecycleEvent", "webhook", "occurredAt"},
		"description": "The body POSTed to a webhook's lifecycleNotificationUrl, signed and retried as events are: " +
			"ExpiringSoon once before validUntil, Disabled when the webhook is disabled for any reason but Deleted, " +
			"DeliveryFailing once the destination failed " + strconv.Itoa(shiftwire.FailingNoticeAfter) + " attempts in a row, DeliveryRecovered at the first success after it.",
		"properties": obj{
			"lifecycleEvent": b.s.of(reflect.TypeFor[shiftwire.LifecycleEvent]()),
			"webhook":        webhook,
			"occurredAt":     obj{"type": "string", "description": "RFC 3339, UTC."},
		},
	}
}

func (b *docBuilder) parameters() obj {
	return obj{
		"userAgent": obj{"name": "User-Agent", "in": "header", "required": true, "schema": stringSchema,
			"description": "Required on every connector API request; without one, 400."},
		"continuationToken": queryParam("continuationToken", "The opaque token of a nextLink; an invalid one is 409.", stringSchema),
		"readExternalReferences": queryParam("externalReferences",
			"(collection,reference)(collection,reference)...: the external references added to the objects. The pairs allowed per collection are in docs/collections.md; others are 400.", stringSchema),
		"webhookExternalReferences": queryParam("externalReferences",
			"(collection,reference)(collection,reference)...: the external references added to event payloads; only the pairs the collection supports, others are 400.", stringSchema),
	}
}

func (b *docBuilder) responses() obj {
	errorResp := func(description string, headers ...string) obj {
		return response(description, schemaRef("Error"), headers...)
	}
	return obj{
		"BadRequest": obj{"description": "A business rule (reasons tell which) or a body that failed validation (validationErrors, one entry per problem). Also a request without User-Agent.",
			"content": jsonBody(obj{"oneOf": []any{schemaRef("Error"), schemaRef("ValidationErrors")}})},
		"Unauthorized":        errorResp("A missing, malformed, expired or foreign token, or one without the scope needed.", "WWW-Authenticate"),
		"NotFound":            errorResp("No such object, or no such tenant."),
		"Conflict":            errorResp("A continuation token that is invalid, a precondition that does not hold, an id that exists, or a disabled webhook."),
		"Gone":                errorResp("A delta token replaced by a newer delta, unused for 72 hours, or of another client."),
		"RequestTimeout":      errorResp("The request body did not arrive in time."),
		"PayloadTooLarge":     errorResp("The request body is larger than the limit: 1 MiB, 64 MiB for POST /changes."),
		"UriTooLong":          errorResp("The request URI is longer than 4,096 characters."),
		"TooManyRequests":     errorResp("Over the client's rate limit; retry after Retry-After seconds.", "Retry-After"),
		"InternalServerError": errorResp("An internal error; the body carries only a request id, also in the log line."),
	}
}

// headers are the response headers the document names.
func headers() obj {
	h := func(description string, schema obj) obj {
		return obj{"description": description, "required": true, "schema": schema}
	}
	return obj{
		"Location":         h("The host-relative path of the new resource.", stringSchema),
		"ETag":             h("The object's changeVersion, quoted: a strong entity tag.", obj{"type": "string", "pattern": `^"[0-9A-F]{20}"$`}),
		"Retry-After":      h("Whole seconds to wait, at least 1.", obj{"type": "integer", "minimum": 1}),
		"WWW-Authenticate": h("An RFC 6750 Bearer challenge: Bearer alone when no token was sent, error=\"invalid_token\" for a bad one, error=\"insufficient_scope\" with the scope needed.", obj{"type": "string", "pattern": "^Bearer"}),
		"Cache-Control":    h("Tokens are never cached.", obj{"type": "string", "enum": []any{"no-store"}}),
	}
}

// camelCase turns kebab-case into CamelCase: absence-groups is AbsenceGroups.
func camelCase(s string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(s, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// singular drops a plural's s: AbsenceGroups is AbsenceGroup, People is Person.
func singular(s string) string {
	if s == "People" {
		return "Person"
	}
	return strings.TrimSuffix(s, "s")
}

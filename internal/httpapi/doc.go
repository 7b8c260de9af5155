// Package httpapi serves the Protime connector API: the OAuth token endpoint and discovery
// documents, webhook management, the collections and the operational endpoints.
//
// Handlers return errors; one adapter renders every error in Protime's format (a
// shiftwire.Error as {"error":{...}}, ValidationErrors as {"validationErrors":[...]}, an
// AuthError as 401 with its WWW-Authenticate challenge) and logs internal errors with the
// request id instead of showing them. routes.go lists the whole API on one screen.
package httpapi

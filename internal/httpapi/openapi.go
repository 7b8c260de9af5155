package httpapi

import (
	_ "embed"
	"net/http"
	"slices"
)

// openAPIDocument is the OpenAPI 3 document of the whole API. TestOpenAPIDocument derives
// it from the routes, the collection registry and the types the handlers render, and fails
// when the committed file differs: run `go test ./internal/httpapi -run TestOpenAPIDocument
// -update` after changing any of them.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns the OpenAPI 3 document of the API, as GET /openapi.json serves it.
func OpenAPIDocument() []byte { return slices.Clone(openAPIDocument) }

// openAPI serves GET /openapi.json: the document needs no token, as client generators and
// API explorers fetch it before they hold one.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openAPIDocument)
	return nil
}

package dashboard

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed openapi.yaml
var openapiYAML []byte

var openapiDoc = sync.OnceValues(func() ([]byte, error) {
	doc, err := OpenAPI()
	if err != nil {
		return nil, err
	}
	return json.Marshal(doc)
})

// OpenAPI loads and validates the API's OpenAPI 3 document.
func OpenAPI() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapiYAML)
	if err != nil {
		return nil, err
	}
	// Every operation may fail with the common error document.
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Responses.Default() == nil {
				op.Responses.Set("default", &openapi3.ResponseRef{Ref: "#/components/responses/Error", Value: doc.Components.Responses["Error"].Value})
			}
		}
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, err
	}
	return doc, nil
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	b, err := openapiDoc()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "openapi: %v", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

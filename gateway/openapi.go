package gateway

import (
	_ "embed"
	"fmt"
	"net/http"
	"safecontact/gateway/httpx"

	"github.com/gin-gonic/gin"
	"github.com/goccy/go-yaml"
)

// openapi.yaml is the OpenAPI 3.1 document of the HTTP API: every route the
// engine registers, its role, body, answers and the error codes of
// errors.go. It is written by hand in YAML (readable in review) and served
// as JSON. Tests keep it true: TestOpenAPIRoutes compares it with
// engine.Routes() both ways, TestOpenAPIDocument validates it, its examples
// and real answers against its schemas, and TestOpenAPIErrorCodes compares
// its code table with errs.Statuses.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// openAPIJSON is the document as served, converted once at start: a
// document that does not convert is a build mistake, caught by the tests.
var openAPIJSON = func() []byte {
	j, err := yaml.YAMLToJSON(openAPIYAML)
	if err != nil {
		panic(fmt.Sprintf("gateway/openapi.yaml: %v", err))
	}
	return j
}()

// serveOpenAPI is GET /v1/openapi.json. It needs no token: the document
// describes the API's shape and error codes, holds no data, no secret and
// nothing about this deployment (no host, no user), and a client needs it
// before it has a token. It still carries the /v1 headers.
func serveOpenAPI(c *gin.Context) {
	httpx.SetAPIHeaders(c)
	c.Data(http.StatusOK, "application/json; charset=utf-8", openAPIJSON)
}

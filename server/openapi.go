package server

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPISpec documents every route in routes.go; openapi_test.go keeps the
// two from drifting apart.
//
//go:embed openapi.yaml
var openAPISpec []byte

func (s *Server) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", openAPISpec)
}

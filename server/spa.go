package server

import (
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

// spa serves the embedded single-page app. Paths with an extension are files
// (hashed assets are cached forever); any other path is a client-side route
// and gets index.html, which is never cached so a new build is picked up.
func (s *Server) spa(c echo.Context) error {
	p := strings.TrimPrefix(path.Clean(c.Request().URL.Path), "/")
	if path.Ext(p) != "" {
		data, err := fs.ReadFile(s.ui, p)
		if errors.Is(err, fs.ErrNotExist) {
			return c.String(http.StatusNotFound, "not found")
		}
		if err != nil {
			return err
		}
		if strings.HasPrefix(p, "assets/") {
			c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			c.Response().Header().Set("Cache-Control", "no-cache")
		}
		return c.Blob(http.StatusOK, contentType(p), data)
	}
	data, err := fs.ReadFile(s.ui, "index.html")
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.HTMLBlob(http.StatusOK, data)
}

func contentType(p string) string {
	switch path.Ext(p) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	case ".json", ".map":
		return "application/json"
	case ".woff2":
		return "font/woff2"
	case ".html":
		return "text/html; charset=utf-8"
	case ".txt":
		return "text/plain; charset=utf-8"
	case ".yaml", ".yml":
		return "application/yaml"
	}
	return "application/octet-stream"
}

package main

import (
	"embed"
	"io/fs"
)

// The built UI lives in frontend/dist/app (written by `npm run build:ui`).
// frontend/dist/placeholder/index.html is committed so `go build` works, and
// says how to build the UI, before the UI has ever been built.
//
//go:embed all:frontend/dist
var dist embed.FS

// uiFS returns the built app, or the placeholder when the UI was not built.
func uiFS() fs.FS {
	if app, err := fs.Sub(dist, "frontend/dist/app"); err == nil {
		if _, err := fs.Stat(app, "index.html"); err == nil {
			return app
		}
	}
	placeholder, _ := fs.Sub(dist, "frontend/dist/placeholder")
	return placeholder
}

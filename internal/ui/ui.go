// Package ui serves the inspector page of `distlock serve` at /ui/: page/index.html and
// page/style.css, and page/app.js, which `make ui` bundles from sdks/ts/inspector/main.ts
// with the TypeScript SDK. All are embedded, so that the server fetches nothing at run
// time and the browser nothing but this server. The
// page calls the service's own RPCs (List, Watch, ForceRelease) with the caller's
// credentials; serving it grants nothing.
package ui

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

// Path is where the page is served.
const Path = "/ui/"

//go:embed page
var page embed.FS

// csp lets the page load only its own files and talk only to its own origin: no inline
// script a lock's name or owner could smuggle in would run.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the page's files under Path; /ui redirects to it.
func Handler() http.Handler {
	files, err := fs.Sub(page, "page")
	if err != nil {
		panic(err) // the embedded tree always has page/
	}
	static := http.StripPrefix(Path, http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ui" {
			http.Redirect(w, r, Path, http.StatusMovedPermanently)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		static.ServeHTTP(w, r)
	})
}

// Mount returns a handler that serves the page at Path (and /ui) and everything else with next.
func Mount(next http.Handler) http.Handler {
	ui := Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ui" || strings.HasPrefix(r.URL.Path, Path) {
			ui.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

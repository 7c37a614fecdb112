package server

import (
	"net/http"

	"github.com/distlock/distlock/internal/ui"
)

// withUI serves the inspector page at /ui/ beside the service unless --ui=false. The page
// is static: its calls go through h like any client's, with the same authentication.
func withUI(c Config, h http.Handler) http.Handler {
	if !c.UI {
		return h
	}
	return ui.Mount(h)
}

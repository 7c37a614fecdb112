package server

import (
	"encoding/json"
	"net/http"

	"github.com/distlock/distlock/internal/auth"
)

// WhoamiPath answers who the caller is, so the inspector can show its signed-in principal
// without calling an RPC that rules might forbid.
const WhoamiPath = "/whoami"

type whoami struct {
	Auth      *bool    `json:"auth,omitempty"`
	Principal string   `json:"principal,omitempty"`
	Groups    []string `json:"groups,omitempty"`
	Method    string   `json:"method,omitempty"`
}

// withWhoami serves GET /whoami beside h. With auth on it goes through the same middleware
// as the RPCs, so a missing or bad credential gets their 401 and WWW-Authenticate; the
// answer names the identity only, never the credential.
func withWhoami(a *auth.Authority, h http.Handler) http.Handler {
	var who http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "distlock: GET only", http.StatusMethodNotAllowed)
			return
		}
		var out whoami
		if id := auth.FromContext(r.Context()); id != nil {
			out = whoami{Principal: id.Principal, Groups: id.Groups, Method: id.Method}
		} else {
			off := false
			out.Auth = &off
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(out)
	})
	if a != nil {
		who = a.Middleware(who)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == WhoamiPath {
			who.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

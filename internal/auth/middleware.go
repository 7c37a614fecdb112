package auth

import (
	"net/http"

	"connectrpc.com/connect"
)

// Middleware authenticates every request before next sees it, for every protocol on the
// port (Connect, gRPC, gRPC-Web, GET): health passes untouched, reflection and /metrics
// as the policy's endpoints say, CORS preflights (OPTIONS, which carry no credentials by
// the Fetch standard and run no call) pass to the CORS handler, and everything else
// needs a credential. A refused request gets unauthenticated in its protocol's error
// format (plain 401 outside RPC) and never reaches next. The identity travels in the
// request's context ([FromContext]).
func (a *Authority) Middleware(next http.Handler) http.Handler {
	errs := connect.NewErrorWriter()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := a.policy.Load()
		switch p.endpoints.access(r.URL.Path) {
		case Off:
			http.NotFound(w, r)
			return
		case Open:
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		id, reason := p.authenticate(r)
		if id == nil {
			err := a.Deny(r.Context(), p, nil, "", "", connect.CodeUnauthenticated, reason)
			w.Header().Set("WWW-Authenticate", `Bearer realm="distlock"`)
			if errs.IsSupported(r) {
				_ = errs.Write(w, r, err)
				return
			}
			http.Error(w, "distlock: "+reason, http.StatusUnauthorized)
			return
		}
		a.authenticated.WithLabelValues(id.Method, p.metricGroup(id)).Inc()
		next.ServeHTTP(w, r.WithContext(WithIdentity(r.Context(), id)))
	})
}

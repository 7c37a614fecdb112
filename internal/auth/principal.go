package auth

import "context"

// Principal names the caller of ctx and how it authenticated, for the service's audit
// of operator calls (connectsvc.Principals); "" when the context carries no identity.
func (a *Authority) Principal(ctx context.Context) (principal, method string) {
	if id := FromContext(ctx); id != nil {
		return id.Principal, id.Method
	}
	return "", ""
}

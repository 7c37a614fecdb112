package auth

import (
	"context"
	"testing"
)

// TestPrincipalNamesTheCaller: the service's audit of ForceRelease names the caller the
// middleware authenticated, and nobody for a context without an identity.
func TestPrincipalNamesTheCaller(t *testing.T) {
	a := &Authority{}
	ctx := WithIdentity(context.Background(), &Identity{Principal: "ops", Method: "token"})
	if p, m := a.Principal(ctx); p != "ops" || m != "token" {
		t.Errorf("Principal = %q, %q; want ops, token", p, m)
	}
	if p, m := a.Principal(context.Background()); p != "" || m != "" {
		t.Errorf("without an identity: %q, %q", p, m)
	}
}

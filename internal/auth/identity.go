package auth

import "context"

// An Identity is an authenticated caller.
type Identity struct {
	// Principal names the caller: a token's principal, a JWT's subject, a client
	// certificate's subject or SAN.
	Principal string
	// Groups are the caller's groups, which rules may name.
	Groups []string
	// Method says how the caller proved it: "token", "jwt" or "mtls".
	Method string
}

type identityKey struct{}

// WithIdentity returns ctx carrying id.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// FromContext returns the identity the middleware authenticated, or nil.
func FromContext(ctx context.Context) *Identity {
	id, _ := ctx.Value(identityKey{}).(*Identity)
	return id
}

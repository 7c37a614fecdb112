package auth

import (
	"net/http"
	"strings"
)

// maxTokenBytes bounds a bearer token. Static tokens are 47 bytes and JWTs a few
// hundred; anything near this is garbage or an attack, refused before any parsing.
const maxTokenBytes = 4096

// Reasons a credential is refused, sent to the caller and logged. They never quote the
// credential.
const (
	reasonMissing   = "no credentials: send Authorization: Bearer <token>"
	reasonMany      = "more than one Authorization header"
	reasonScheme    = "the Authorization header is not a Bearer credential"
	reasonMalformed = "the bearer token is malformed"
	reasonTooLong   = "the bearer token is too long"
	reasonUnknown   = "the bearer token is not known"
)

// bearer extracts the bearer token of a request, or says why there is none usable.
func bearer(r *http.Request) (token, reason string) {
	vals := r.Header.Values("Authorization")
	switch {
	case len(vals) == 0:
		return "", reasonMissing
	case len(vals) > 1:
		return "", reasonMany
	}
	scheme, token, ok := strings.Cut(vals[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", reasonScheme
	}
	if len(token) > maxTokenBytes {
		return "", reasonTooLong
	}
	if !isToken68(token) {
		return "", reasonMalformed
	}
	return token, ""
}

// isToken68 reports whether s is an RFC 7235 token68: what a bearer token may be. It
// refuses spaces, control characters, quotes and every non-ASCII byte.
func isToken68(s string) bool {
	if s == "" {
		return false
	}
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/') {
			break
		}
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}

// authenticate returns the identity a request proves, or why it proves none.
// A bearer token wins over a client certificate: a request that carries both means the
// token.
func (p *Policy) authenticate(r *http.Request) (*Identity, string) {
	token, reason := bearer(r)
	if reason == reasonMissing && r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
		return p.mtls.identity(r.TLS.VerifiedChains[0][0])
	}
	if reason != "" {
		return nil, reason
	}
	if p.jwt != nil && looksLikeJWT(token) {
		return p.jwt.verify(token)
	}
	if id := matchToken(p.tokens, token); id != nil {
		return id, ""
	}
	return nil, reasonUnknown
}

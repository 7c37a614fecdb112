package runner

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/distlock/distlock/internal/auth"
)

// Credentials a case's new-client may present (its token field), resolved here into
// real tokens. The auth file gives team-a/ to the group team-a (acquire and read) and to
// the group readers (read only).
const (
	tokenNone     = "none"      // no Authorization header at all
	tokenAlice    = "alice"     // static token of alice, in team-a
	tokenReader   = "reader"    // static token of reader, in readers
	tokenQuota    = "quota"     // static token of carol, in team-a, max_held: 1
	tokenWrong    = "wrong"     // well-formed static token that the file does not list
	tokenJWTAlice = "jwt-alice" // valid JWT of alice-jwt, in team-a
	tokenExpired  = "expired"   // the same JWT, expired an hour ago (static tokens never expire)
)

var tokenNames = []string{tokenNone, tokenAlice, tokenReader, tokenQuota, tokenWrong, tokenJWTAlice, tokenExpired}

const (
	jwtIssuer   = "https://issuer.conformance.test/"
	jwtAudience = "distlock"
)

// credentials are the named tokens of one environment and the auth file that lets
// (some of) them in.
type credentials struct {
	tokens map[string]string
	file   string
}

// newCredentials makes fresh tokens with internal/auth (as `distlock auth new-token`
// does), a JWT issuer whose key set it writes beside the auth file, and the file, in dir.
func newCredentials(dir string) (*credentials, error) {
	c := &credentials{tokens: map[string]string{tokenNone: ""}, file: filepath.Join(dir, "auth.yaml")}
	var entries strings.Builder
	for _, t := range []struct{ name, principal, group string }{
		{tokenAlice, "alice", "team-a"}, {tokenReader, "reader", "readers"}, {tokenQuota, "carol", "team-a"},
	} {
		token, entry, err := auth.TokenEntry(t.principal, []string{t.group})
		if err != nil {
			return nil, err
		}
		c.tokens[t.name] = token
		entries.WriteString(indent(entry))
	}
	c.tokens[tokenWrong], _ = auth.NewToken()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	jwks, err := jwksOf(key)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "jwks.json"), jwks, 0o600); err != nil {
		return nil, err
	}
	now := time.Now()
	for name, exp := range map[string]time.Time{tokenJWTAlice: now.Add(24 * time.Hour), tokenExpired: now.Add(-time.Hour)} {
		if c.tokens[name], err = signJWT(key, "alice-jwt", "team-a", now.Add(-2*time.Hour), exp); err != nil {
			return nil, err
		}
	}
	file := "tokens:\n" + entries.String() + `rules:
  - groups: [team-a]
    verbs: [acquire, read]
    resources: ["team-a/"]
  - groups: [readers]
    verbs: [read]
    resources: ["team-a/"]
quotas:
  principals:
    carol: {max_held: 1}
jwt:
  jwks_file: jwks.json
  issuer: ` + jwtIssuer + `
  audience: ` + jwtAudience + `
  algorithms: [ES256]
`
	return c, os.WriteFile(c.file, []byte(file), 0o600)
}

// indent makes a top-level YAML list item an item of the tokens list.
func indent(entry string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(entry, "\n") {
		if line != "" {
			b.WriteString("  " + line)
		}
	}
	return b.String()
}

// jwksOf is key's public half as a JWK Set, with kid "conformance".
func jwksOf(key *ecdsa.PrivateKey) ([]byte, error) {
	pub, err := key.PublicKey.ECDH()
	if err != nil {
		return nil, err
	}
	b := pub.Bytes() // 0x04 || X || Y
	b64 := base64.RawURLEncoding.EncodeToString
	return json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "EC", "crv": "P-256", "kid": "conformance", "alg": "ES256", "use": "sig",
		"x": b64(b[1:33]), "y": b64(b[33:]),
	}}})
}

// signJWT is a token of subject in group, issued (and valid from) iat, expiring at exp.
func signJWT(key *ecdsa.PrivateKey, subject, group string, iat, exp time.Time) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss": jwtIssuer, "aud": jwtAudience, "sub": subject, "groups": []string{group},
		"iat": iat.Unix(), "nbf": iat.Unix(), "exp": exp.Unix(),
	})
	tok.Header["kid"] = "conformance"
	return tok.SignedString(key)
}

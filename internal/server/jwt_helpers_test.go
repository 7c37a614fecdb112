package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// issuer signs JWTs with an ES256 key published in a JWKS file.
type issuer struct {
	key  *ecdsa.PrivateKey
	kid  string
	jwks string // the JWKS file
}

const (
	testIssuer   = "https://issuer.test/"
	testAudience = "distlock"
)

func newIssuer(t *testing.T, kid string) *issuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	iss := &issuer{key: key, kid: kid, jwks: filepath.Join(t.TempDir(), "jwks.json")}
	if err := os.WriteFile(iss.jwks, iss.jwksJSON(t), 0o600); err != nil {
		t.Fatal(err)
	}
	return iss
}

// jwksJSON is the issuer's public key as a JWK Set.
func (iss *issuer) jwksJSON(t *testing.T) []byte {
	pub, err := iss.key.PublicKey.ECDH()
	if err != nil {
		t.Fatal(err)
	}
	b := pub.Bytes() // 0x04 || X || Y
	b64 := base64.RawURLEncoding.EncodeToString
	set := map[string]any{"keys": []map[string]string{{
		"kty": "EC", "crv": "P-256", "kid": iss.kid, "alg": "ES256", "use": "sig",
		"x": b64(b[1:33]), "y": b64(b[33:]),
	}}}
	out, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// claims are a valid token's claims for subject, in the given groups.
func claims(subject string, groups ...string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss": testIssuer, "aud": testAudience, "sub": subject, "groups": groups,
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
	}
}

// sign returns a signed token with the issuer's key and kid.
func (iss *issuer) sign(t *testing.T, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	tok.Header["kid"] = iss.kid
	s, err := tok.SignedString(iss.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// jwtSection is the auth file's jwt section for the issuer's key set at source
// ("jwks_file: …" or "jwks_url: …").
func jwtSection(source string) string {
	return "jwt:\n  " + source + "\n  issuer: " + testIssuer + "\n  audience: " + testAudience + "\n  algorithms: [ES256]\n"
}

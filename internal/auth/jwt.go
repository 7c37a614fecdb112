package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// jwtFile configures JWT bearer tokens, verified against a JWKS.
type jwtFile struct {
	JWKSFile       string        `yaml:"jwks_file"`
	JWKSURL        string        `yaml:"jwks_url"`
	Issuer         string        `yaml:"issuer"`
	Audience       string        `yaml:"audience"`
	Algorithms     []string      `yaml:"algorithms"`
	PrincipalClaim string        `yaml:"principal_claim"`
	GroupsClaim    string        `yaml:"groups_claim"`
	Leeway         time.Duration `yaml:"leeway"`
}

// asymmetric are the algorithms a JWKS may verify. HMAC (HS*) is refused: a shared
// secret in a key set is a misconfiguration, and allowing it opens key confusion (an
// RSA public key used as an HMAC secret). "none" is never an algorithm here.
var asymmetric = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// defaultAlgorithms are allowed when the file names none.
var defaultAlgorithms = []string{"RS256", "ES256"}

// maxJWKSBytes bounds a key set read from a file or a URL.
const maxJWKSBytes = 1 << 20

// jwksFetchTimeout bounds the fetch of a JWKS URL.
const jwksFetchTimeout = 5 * time.Second

// jwtVerifier verifies JWT bearer tokens: signature by a key of the set, an allowed
// algorithm matching the key's type, issuer, audience, exp (required) and nbf.
type jwtVerifier struct {
	keys           keyfunc.Keyfunc
	parser         *jwt.Parser
	principalClaim string
	groupsClaim    string
}

func compileJWT(ctx context.Context, f *jwtFile) (*jwtVerifier, error) {
	switch {
	case (f.JWKSFile == "") == (f.JWKSURL == ""):
		return nil, errors.New("jwt: give jwks_file or jwks_url, one of them")
	case f.Issuer == "":
		return nil, errors.New("jwt: issuer is required")
	case f.Audience == "":
		return nil, errors.New("jwt: audience is required")
	case f.Leeway < 0 || f.Leeway > 5*time.Minute:
		return nil, errors.New("jwt: leeway must be within 0..5m")
	}
	algs := f.Algorithms
	if len(algs) == 0 {
		algs = defaultAlgorithms
	}
	for _, a := range algs {
		if !slices.Contains(asymmetric, a) {
			return nil, fmt.Errorf("jwt: algorithm %q is not allowed (want some of %s)", a, strings.Join(asymmetric, ", "))
		}
	}
	raw, err := readJWKS(ctx, f)
	if err != nil {
		return nil, err
	}
	keys, err := keyfunc.NewJWKSetJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("jwt: the key set does not parse: %w", err)
	}
	v := &jwtVerifier{
		keys: keys,
		parser: jwt.NewParser(jwt.WithValidMethods(algs), jwt.WithIssuer(f.Issuer),
			jwt.WithAudience(f.Audience), jwt.WithExpirationRequired(), jwt.WithLeeway(f.Leeway)),
		principalClaim: orDefault(f.PrincipalClaim, "sub"),
		groupsClaim:    orDefault(f.GroupsClaim, "groups"),
	}
	return v, nil
}

// readJWKS reads the key set from its file, or fetches it from its URL.
func readJWKS(ctx context.Context, f *jwtFile) (json.RawMessage, error) {
	var r io.Reader
	if f.JWKSFile != "" {
		file, err := os.Open(f.JWKSFile)
		if err != nil {
			return nil, fmt.Errorf("jwt: %w", err)
		}
		defer file.Close()
		r = file
	} else {
		ctx, cancel := context.WithTimeout(ctx, jwksFetchTimeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.JWKSURL, nil)
		if err != nil {
			return nil, fmt.Errorf("jwt: jwks_url: %w", err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("jwt: fetching jwks_url: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("jwt: fetching jwks_url: HTTP %d", resp.StatusCode)
		}
		r = resp.Body
	}
	b, err := io.ReadAll(io.LimitReader(r, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("jwt: reading the key set: %w", err)
	}
	if len(b) > maxJWKSBytes {
		return nil, fmt.Errorf("jwt: the key set is over %d bytes", maxJWKSBytes)
	}
	return b, nil
}

// keyFor returns the key of the set that verifies token, refusing a key whose type does
// not match the token's algorithm (the library would too; this says it in one place).
// A token must name its key (kid): without one, the library would try every key of the
// set, and one set could hold keys of several types.
func (v *jwtVerifier) keyFor(token *jwt.Token) (any, error) {
	if kid, _ := token.Header["kid"].(string); kid == "" {
		return nil, errors.New("the token names no key (kid)")
	}
	key, err := v.keys.Keyfunc(token)
	if err != nil {
		return nil, err
	}
	var ok bool
	switch token.Method.(type) {
	case *jwt.SigningMethodRSA, *jwt.SigningMethodRSAPSS:
		_, ok = key.(*rsa.PublicKey)
	case *jwt.SigningMethodECDSA:
		_, ok = key.(*ecdsa.PublicKey)
	case *jwt.SigningMethodEd25519:
		_, ok = key.(ed25519.PublicKey)
	}
	if !ok {
		return nil, errors.New("the key's type does not match the token's algorithm")
	}
	return key, nil
}

// reasonJWT is the message of a refused JWT. It says which check failed, never what the
// token held.
func reasonJWT(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the bearer token has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "the bearer token is not valid yet"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "the bearer token is for another audience"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "the bearer token is from another issuer"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "the bearer token lacks a required claim"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "the bearer token's signature does not verify"
	}
	return "the bearer token is not a valid JWT"
}

// verify returns the identity a JWT proves, or why it proves none.
func (v *jwtVerifier) verify(raw string) (*Identity, string) {
	claims := jwt.MapClaims{}
	if _, err := v.parser.ParseWithClaims(raw, claims, v.keyFor); err != nil {
		return nil, reasonJWT(err)
	}
	principal, _ := claims[v.principalClaim].(string)
	if checkName("principal", principal) != nil {
		return nil, "the bearer token's " + v.principalClaim + " claim is not a usable principal"
	}
	id := &Identity{Principal: principal, Method: "jwt"}
	if gs, ok := claims[v.groupsClaim].([]any); ok {
		for _, g := range gs {
			if s, ok := g.(string); ok && checkName("group", s) == nil {
				id.Groups = append(id.Groups, s)
			}
		}
	}
	return id, ""
}

// looksLikeJWT reports whether a bearer token has a JWT's three dot-separated parts;
// static tokens have no dot.
func looksLikeJWT(token string) bool { return strings.Count(token, ".") == 2 }

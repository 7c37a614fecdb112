package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"

	"go.yaml.in/yaml/v3"
)

// TokenPrefix starts every static token, so that secret scanners can find leaked ones.
const TokenPrefix = "dlt_"

// tokenBytes is the entropy of a static token: 256 bits.
const tokenBytes = 32

// NewToken returns a new random static token and the hex SHA-256 that the auth file
// stores for it.
func NewToken() (token, sha256Hex string) {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // never fails (crypto/rand doc)
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the hex SHA-256 of a token, as the auth file stores it.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// staticToken is one entry of the file's tokens list.
type staticToken struct {
	digest [sha256.Size]byte
	id     *Identity
}

// matchToken returns the identity whose digest is the token's, comparing with every
// entry in constant time so that the time taken says nothing about which entry, if any,
// came close.
func matchToken(entries []staticToken, token string) *Identity {
	sum := sha256.Sum256([]byte(token))
	var found *Identity
	for i := range entries {
		if subtle.ConstantTimeCompare(entries[i].digest[:], sum[:]) == 1 {
			found = entries[i].id
		}
	}
	return found
}

// TokenEntry returns a new token for principal and the auth file entry (YAML, an item
// of the tokens list) that lets it in with groups.
func TokenEntry(principal string, groups []string) (token, entry string, err error) {
	if err := checkName("the principal", principal); err != nil {
		return "", "", err
	}
	for _, g := range groups {
		if err := checkName("a group", g); err != nil {
			return "", "", err
		}
	}
	token, sum := NewToken()
	b, err := yaml.Marshal([]tokenFile{{Principal: principal, Groups: groups, SHA256: sum}})
	if err != nil {
		return "", "", err
	}
	return token, string(b), nil
}

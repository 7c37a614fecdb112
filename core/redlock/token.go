package redlock

import (
	"crypto/rand"
	"encoding/base64"
)

// tokenLen is the length of an owner token: 128 random bits in unpadded base64url.
// The scripts compare the first tokenLen bytes of a lock value with the caller's token.
const tokenLen = 22

// newToken returns a fresh owner token. crypto/rand.Read never fails (it crashes the
// program rather than return predictable bytes).
func newToken() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

package redlock

import (
	"crypto/rand"
	"encoding/base64"
)

// tokenLen is the length of a lease's owner token (driver.Lease.Token): 128 random bits
// in unpadded base64url.
const tokenLen = 22

// keyTokenLen is the length of the same token as the lock value stores it and the
// scripts compare it: the 16 raw bytes. Binary saves 6 bytes a lock, which helps keep
// the value within Redis's embedded strings (value.go).
const keyTokenLen = 16

// newToken returns a fresh owner token, as the lease carries it and as the lock value
// stores it. crypto/rand.Read never fails (it crashes the program rather than return
// predictable bytes).
func newToken() (token, key string) {
	var b [keyTokenLen]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:]), string(b[:])
}

// keyToken is a lease token as the lock value stores it; "" when it is not one this
// package issued (validateLease refuses those first).
func keyToken(token string) string {
	var b [keyTokenLen]byte
	if len(token) != tokenLen {
		return ""
	}
	if n, err := base64.RawURLEncoding.Decode(b[:], []byte(token)); err != nil || n != keyTokenLen {
		return ""
	}
	return string(b[:])
}

// newID returns a random id of 8 characters for a release message or a new epoch.
func newID() string {
	var b [6]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

package redlock

import (
	"bytes"
	"testing"
	"time"
)

// lockValueOf is a lock value as the scripts write it, for tests that plant one.
func lockValueOf(key string, fence uint64, owner string) string {
	var f [8]byte
	for i := range f {
		f[7-i] = byte(fence >> (8 * i))
	}
	return key + string(f[8-fenceBytes:]) + valueTail(time.UnixMilli(0), owner, nil)
}

// must1 drops newToken's second result.
func must1(token, _ string) string { return token }

// TestValueRoundTrip: what the client writes (with the script's token and fence in
// front) parses back, for owners and payloads of any bytes.
func TestValueRoundTrip(t *testing.T) {
	at := time.UnixMilli(1_700_000_000_123)
	for _, c := range []struct {
		owner string
		data  []byte
	}{
		{"", nil}, {"alice", []byte("x")}, {"a:b:3:", []byte(":9:\x00")}, {"ü", bytes.Repeat([]byte{0xff}, 100)},
		{string(bytes.Repeat([]byte("o"), 300)), []byte("payload")},
	} {
		_, key := newToken()
		raw := lockValueOf(key, 1795658767028609, "")[:valueHeadLen-lockTimeLen] + valueTail(at, c.owner, c.data)
		v, err := parseValue(raw)
		if err != nil {
			t.Fatalf("parse %q: %v", raw, err)
		}
		if v.token != key || v.fence != 1795658767028609 || !v.lockTime.Equal(at) || v.owner != c.owner || !bytes.Equal(v.data, c.data) {
			t.Errorf("round trip of owner %q, %d bytes: got %+v", c.owner, len(c.data), v)
		}
	}
}

// TestValueFitsAnEmbeddedString: the value of a lock with an 8-byte owner label and no
// payload stays within the 44 bytes that Redis keeps in the object's own allocation
// (TestMemoryPerHeldLock holds the memory it saves).
func TestValueFitsAnEmbeddedString(t *testing.T) {
	_, key := newToken()
	if n := len(lockValueOf(key, 1<<52, "worker-1")); n > 44 {
		t.Errorf("a lock value with an 8-byte owner takes %d bytes, want at most 44", n)
	}
}

// TestParseValueRejectsGarbage: a damaged value is an error, not a panic or a wrong view.
func TestParseValueRejectsGarbage(t *testing.T) {
	_, key := newToken()
	head := lockValueOf(key, 1, "")[:valueHeadLen]
	for _, raw := range []string{"", "short", key, head, head + "\x05ab", head + "\xff", head + "\x80\x80"} {
		if _, err := parseValue(raw); err == nil {
			t.Errorf("parseValue(%q) accepted garbage", raw)
		}
	}
}

// TestTokensAreDistinct128Bit: tokens carry 128 random bits and do not repeat, and a
// lease's token and its stored form convert into each other.
func TestTokensAreDistinct128Bit(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok, key := newToken()
		if len(tok) != tokenLen || len(key) != keyTokenLen || seen[tok] {
			t.Fatalf("token %q repeated or of the wrong length", tok)
		}
		if keyToken(tok) != key {
			t.Fatalf("token %q does not convert to its stored form", tok)
		}
		seen[tok] = true
	}
	for _, bad := range []string{"", "short", "!!!!!!!!!!!!!!!!!!!!!!"} {
		if keyToken(bad) != "" {
			t.Errorf("keyToken(%q) accepted it", bad)
		}
	}
}

// TestDecodeRejectsUnexpectedReplies: a reply of the wrong shape (another program's
// script under our SHA, a proxy's error) is an error, never a panic.
func TestDecodeRejectsUnexpectedReplies(t *testing.T) {
	for _, v := range []any{nil, "x", int64(1), []any{}, []any{int64(1), int64(2), "id"},
		[]any{int64(1), int64(2), int64(3), int64(4)}, []any{"a", int64(2), "id", int64(4)},
		[]any{int64(1), "b", "id", int64(4)}} {
		if _, _, _, err := decodeInts(v); err == nil {
			t.Errorf("decodeInts(%#v) accepted it", v)
		}
	}
	a, b, e, err := decodeInts([]any{int64(1), int64(7), "id", int64(1500)})
	if err != nil || a != 1 || b != 7 || e.id != "id" || e.age != 1500*time.Millisecond {
		t.Errorf("decodeInts of a good reply: %d %d %+v %v", a, b, e, err)
	}
}

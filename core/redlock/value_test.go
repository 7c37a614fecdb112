package redlock

import (
	"bytes"
	"strconv"
	"testing"
	"time"
)

// TestValueRoundTrip: what the client writes (with the script's token and fence in
// front) parses back, for owners and payloads containing the separator.
func TestValueRoundTrip(t *testing.T) {
	at := time.UnixMilli(1_700_000_000_123)
	for _, c := range []struct {
		owner string
		data  []byte
	}{
		{"", nil}, {"alice", []byte("x")}, {"a:b:3:", []byte(":9:\x00")}, {"ü", bytes.Repeat([]byte{0xff}, 100)},
	} {
		tok := newToken()
		raw := tok + strconv.FormatUint(1795658767028609, 10) + ":" + valueTail(at, c.owner, c.data)
		v, err := parseValue(raw)
		if err != nil {
			t.Fatalf("parse %q: %v", raw, err)
		}
		if v.token != tok || v.fence != 1795658767028609 || !v.lockTime.Equal(at) || v.owner != c.owner || !bytes.Equal(v.data, c.data) {
			t.Errorf("round trip of owner %q, %d bytes: got %+v", c.owner, len(c.data), v)
		}
	}
}

// TestParseValueRejectsGarbage: a damaged value is an error, not a panic or a wrong view.
func TestParseValueRejectsGarbage(t *testing.T) {
	tok := newToken()
	for _, raw := range []string{"", "short", tok, tok + "x:1:0:", tok + "1:x:0:", tok + "1:1:9:ab", tok + "1:1:-1:", tok + "1:1"} {
		if _, err := parseValue(raw); err == nil {
			t.Errorf("parseValue(%q) accepted garbage", raw)
		}
	}
}

// TestTokensAreDistinct128Bit: tokens carry 128 random bits and do not repeat.
func TestTokensAreDistinct128Bit(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok := newToken()
		if len(tok) != tokenLen || seen[tok] {
			t.Fatalf("token %q repeated or of the wrong length", tok)
		}
		seen[tok] = true
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

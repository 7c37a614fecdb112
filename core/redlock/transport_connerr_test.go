package redlock

import (
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"

	"github.com/distlock/distlock/core"
)

// TestWrongPasswordSaysAuthenticationFailed: a refused login is reported as such, not as
// a script reply the client could not decode.
func TestWrongPasswordSaysAuthenticationFailed(t *testing.T) {
	var addrs []string
	for range 3 {
		m := miniredis.RunT(t)
		m.RequireAuth("s3cret")
		addrs = append(addrs, m.Addr())
	}
	c, err := Open(":not-the-pa55word@"+strings.Join(addrs, ",")+"?quarantine=0", false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_, err = c.Acquire(ctxT(t), "r", lopts(core.MinTTL))
	if err == nil || !strings.Contains(err.Error(), "authentication failed") {
		t.Fatalf("acquire with a wrong password: %v, want it to say authentication failed", err)
	}
	if strings.Contains(err.Error(), "not-the-pa55word") {
		t.Fatalf("the error shows the password: %v", err)
	}
}

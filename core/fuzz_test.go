package core_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/distlock/distlock/core"
)

// The fuzz targets' seeds run under plain go test; go test -fuzz=FuzzX explores further.

func FuzzValidateResource(f *testing.F) {
	for _, seed := range []string{"", "a", "orders/42", "a:b", "{a}", "🔒", "\xff", "a\x00b",
		strings.Repeat("x", core.MaxResourceLen), strings.Repeat("x", core.MaxResourceLen+1),
		strings.Repeat("é", core.MaxResourceLen/2) + "x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := core.ValidateResource(name)
		valid := name != "" && len(name) <= core.MaxResourceLen && utf8.ValidString(name)
		if valid != (err == nil) {
			t.Fatalf("ValidateResource(%q) = %v; valid: %v", name, err, valid)
		}
		if err != nil && !errors.Is(err, core.ErrInvalidArgument) {
			t.Fatalf("ValidateResource(%q) = %v, not an ErrInvalidArgument", name, err)
		}
	})
}

func FuzzValidateLease(f *testing.F) {
	f.Add(int64(core.DefaultTTL), "", 0)
	f.Add(int64(core.MinTTL), "worker", core.MaxDataLen)
	f.Add(int64(core.MaxTTL), strings.Repeat("o", core.MaxOwnerLen), 1)
	f.Add(int64(core.MinTTL-1), "", 0)
	f.Add(int64(core.MaxTTL+1), "", 0)
	f.Add(int64(-1), "\xff", core.MaxDataLen+1)
	f.Add(int64(0), strings.Repeat("o", core.MaxOwnerLen+1), 0)
	f.Fuzz(func(t *testing.T, ttl int64, owner string, dataLen int) {
		dataLen = min(max(dataLen, 0), 2*core.MaxDataLen)
		o := core.LeaseOptions{TTL: time.Duration(ttl), Owner: owner, Data: make([]byte, dataLen)}
		err := core.ValidateLease(o)
		valid := o.TTL >= core.MinTTL && o.TTL <= core.MaxTTL &&
			len(owner) <= core.MaxOwnerLen && utf8.ValidString(owner) && dataLen <= core.MaxDataLen
		if valid != (err == nil) {
			t.Fatalf("ValidateLease(ttl %v, owner %q, %d bytes) = %v; valid: %v", o.TTL, owner, dataLen, err, valid)
		}
		if err != nil && !errors.Is(err, core.ErrInvalidArgument) {
			t.Fatalf("ValidateLease = %v, not an ErrInvalidArgument", err)
		}
	})
}

func FuzzOpen(f *testing.F) {
	for _, seed := range []string{"", "memory://fuzz", "MEMORY://fuzz", "memory://", "memory:/x",
		"://", "nosuch://x", "redis://h1:6379,h2:6379", "rediss://:pw@h:1", "memory://a://b",
		"\xff://x", " memory://x", "memory ://x", "a:b://c"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, url string) {
		l, err := core.Open(url)
		if err != nil {
			if !errors.Is(err, core.ErrInvalidArgument) {
				t.Fatalf("Open(%q) = %v, not an ErrInvalidArgument", url, err)
			}
			return
		}
		if err := l.Close(); err != nil {
			t.Fatalf("Close of Open(%q): %v", url, err)
		}
	})
}

package driver_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/distlock/distlock/core/driver"
)

// The fuzz targets' seeds run under plain go test; go test -fuzz=FuzzX explores further.

func FuzzValidateResource(f *testing.F) {
	for _, seed := range []string{"", "a", "orders/42", "a:b", "{a}", "🔒", "\xff", "a\x00b",
		strings.Repeat("x", driver.MaxResourceLen), strings.Repeat("x", driver.MaxResourceLen+1),
		strings.Repeat("é", driver.MaxResourceLen/2) + "x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := driver.ValidateResource(name)
		valid := name != "" && len(name) <= driver.MaxResourceLen && utf8.ValidString(name)
		if valid != (err == nil) {
			t.Fatalf("ValidateResource(%q) = %v; valid: %v", name, err, valid)
		}
		if err != nil && !errors.Is(err, driver.ErrInvalidArgument) {
			t.Fatalf("ValidateResource(%q) = %v, not an ErrInvalidArgument", name, err)
		}
	})
}

func FuzzValidateLease(f *testing.F) {
	f.Add(int64(driver.DefaultTTL), "", 0)
	f.Add(int64(driver.MinTTL), "worker", driver.MaxDataLen)
	f.Add(int64(driver.MaxTTL), strings.Repeat("o", driver.MaxOwnerLen), 1)
	f.Add(int64(driver.MinTTL-1), "", 0)
	f.Add(int64(driver.MaxTTL+1), "", 0)
	f.Add(int64(-1), "\xff", driver.MaxDataLen+1)
	f.Add(int64(0), strings.Repeat("o", driver.MaxOwnerLen+1), 0)
	f.Fuzz(func(t *testing.T, ttl int64, owner string, dataLen int) {
		dataLen = min(max(dataLen, 0), 2*driver.MaxDataLen)
		o := driver.LeaseOptions{TTL: time.Duration(ttl), Owner: owner, Data: make([]byte, dataLen)}
		err := driver.ValidateLease(o)
		valid := o.TTL >= driver.MinTTL && o.TTL <= driver.MaxTTL &&
			len(owner) <= driver.MaxOwnerLen && utf8.ValidString(owner) && dataLen <= driver.MaxDataLen
		if valid != (err == nil) {
			t.Fatalf("ValidateLease(ttl %v, owner %q, %d bytes) = %v; valid: %v", o.TTL, owner, dataLen, err, valid)
		}
		if err != nil && !errors.Is(err, driver.ErrInvalidArgument) {
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
		l, err := driver.Open(url)
		if err != nil {
			if !errors.Is(err, driver.ErrInvalidArgument) {
				t.Fatalf("Open(%q) = %v, not an ErrInvalidArgument", url, err)
			}
			return
		}
		if err := l.Close(); err != nil {
			t.Fatalf("Close of Open(%q): %v", url, err)
		}
	})
}

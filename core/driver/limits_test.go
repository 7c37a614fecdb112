package driver_test

import (
	"errors"
	"testing"
	"time"

	"github.com/distlock/distlock/core/driver"
)

func TestValidateLeaseRef(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lease driver.Lease
		ok    bool
	}{
		{"resource and token", driver.Lease{Resource: "r", Token: "t"}, true},
		{"no token", driver.Lease{Resource: "r"}, false},
		{"no resource", driver.Lease{Token: "t"}, false},
		{"resource not UTF-8", driver.Lease{Resource: "\xff", Token: "t"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := driver.ValidateLeaseRef(tc.lease)
			if tc.ok != (err == nil) {
				t.Fatalf("ValidateLeaseRef = %v; want valid: %v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, driver.ErrInvalidArgument) {
				t.Fatalf("ValidateLeaseRef = %v, not an ErrInvalidArgument", err)
			}
		})
	}
}

func TestValidateTTL(t *testing.T) {
	for ttl, ok := range map[time.Duration]bool{
		driver.MinTTL: true, driver.MaxTTL: true, driver.DefaultTTL: true,
		driver.MinTTL - time.Nanosecond: false, driver.MaxTTL + time.Nanosecond: false, 0: false, -time.Second: false,
	} {
		err := driver.ValidateTTL(ttl)
		if ok != (err == nil) || (err != nil && !errors.Is(err, driver.ErrInvalidArgument)) {
			t.Errorf("ValidateTTL(%v) = %v; want valid: %v", ttl, err, ok)
		}
	}
}

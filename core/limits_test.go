package core_test

import (
	"errors"
	"testing"
	"time"

	"github.com/distlock/distlock/core"
)

func TestValidateLeaseRef(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lease core.Lease
		ok    bool
	}{
		{"resource and token", core.Lease{Resource: "r", Token: "t"}, true},
		{"no token", core.Lease{Resource: "r"}, false},
		{"no resource", core.Lease{Token: "t"}, false},
		{"resource not UTF-8", core.Lease{Resource: "\xff", Token: "t"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := core.ValidateLeaseRef(tc.lease)
			if tc.ok != (err == nil) {
				t.Fatalf("ValidateLeaseRef = %v; want valid: %v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, core.ErrInvalidArgument) {
				t.Fatalf("ValidateLeaseRef = %v, not an ErrInvalidArgument", err)
			}
		})
	}
}

func TestValidateTTL(t *testing.T) {
	for ttl, ok := range map[time.Duration]bool{
		core.MinTTL: true, core.MaxTTL: true, core.DefaultTTL: true,
		core.MinTTL - time.Nanosecond: false, core.MaxTTL + time.Nanosecond: false, 0: false, -time.Second: false,
	} {
		err := core.ValidateTTL(ttl)
		if ok != (err == nil) || (err != nil && !errors.Is(err, core.ErrInvalidArgument)) {
			t.Errorf("ValidateTTL(%v) = %v; want valid: %v", ttl, err, ok)
		}
	}
}

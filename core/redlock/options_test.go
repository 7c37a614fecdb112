package redlock

import (
	"errors"
	"testing"
	"time"

	"github.com/distlock/distlock/core"
)

// TestNewRejects: bad node lists and option values are invalid arguments.
func TestNewRejects(t *testing.T) {
	for label, c := range map[string]struct {
		addrs []string
		opts  []Option
	}{
		"no nodes":          {nil, nil},
		"repeated node":     {[]string{"h:1", "h:1"}, nil},
		"no port":           {[]string{"h"}, nil},
		"negative timeout":  {[]string{"h:1"}, []Option{WithNodeTimeout(-time.Second)}},
		"negative quaranti": {[]string{"h:1"}, []Option{WithQuarantine(-time.Second)}},
		"negative database": {[]string{"h:1"}, []Option{WithDB(-1)}},
		"empty key prefix":  {[]string{"h:1"}, []Option{WithKeyPrefix("")}},
	} {
		if _, err := New(c.addrs, c.opts...); !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("%s: New = %v, want an invalid argument", label, err)
		}
	}
	c, err := New([]string{"h:1"}, WithLogger(nil))
	if err != nil {
		t.Fatalf("WithLogger(nil): %v", err)
	}
	c.Close()
}

// TestNodeTimeoutDefaults: TTL/50 within bounds, or the configured value.
func TestNodeTimeoutDefaults(t *testing.T) {
	d := defaultConfig()
	for ttl, want := range map[time.Duration]time.Duration{
		core.MinTTL: MinNodeTimeout, core.DefaultTTL: 600 * time.Millisecond,
		core.MaxTTL: MaxNodeTimeout, 0: 600 * time.Millisecond,
	} {
		if got := d.nodeTimeoutFor(ttl); got != want {
			t.Errorf("node timeout for TTL %v: %v, want %v", ttl, got, want)
		}
	}
	d.nodeTimeout = 42 * time.Millisecond
	if got := d.nodeTimeoutFor(core.MaxTTL); got != 42*time.Millisecond {
		t.Errorf("configured node timeout ignored: %v", got)
	}
}

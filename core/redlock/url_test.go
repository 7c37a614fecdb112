package redlock

import (
	"errors"
	"testing"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// TestParseService covers every part of the URL form and every query parameter.
func TestParseService(t *testing.T) {
	cfgOf := func(t *testing.T, service string, useTLS bool) (config, []string) {
		t.Helper()
		opts, addrs, err := parseService(service, useTLS)
		if err != nil {
			t.Fatalf("parseService(%q): %v", service, err)
		}
		cfg := defaultConfig()
		for _, o := range opts {
			o(&cfg)
		}
		return cfg, addrs
	}

	cfg, addrs := cfgOf(t, "app:s%2Fcret@10.0.0.1:6379,10.0.0.2:6380,[::1]:6379/3?node_timeout=100ms&quarantine=15m&key_prefix=x", false)
	switch {
	case len(addrs) != 3 || addrs[0] != "10.0.0.1:6379" || addrs[2] != "[::1]:6379":
		t.Errorf("addrs %v", addrs)
	case cfg.username != "app" || cfg.password != "s/cret" || cfg.db != 3:
		t.Errorf("user %q password %q db %d", cfg.username, cfg.password, cfg.db)
	case cfg.nodeTimeout != 100*time.Millisecond || cfg.quarantine != 15*time.Minute || cfg.keyPrefix != "x":
		t.Errorf("node timeout %v quarantine %v prefix %q", cfg.nodeTimeout, cfg.quarantine, cfg.keyPrefix)
	case cfg.tls != nil:
		t.Error("redis:// turned TLS on")
	}

	cfg, _ = cfgOf(t, ":pw@h:1?quarantine=0&node_timeout=2", true)
	switch {
	case cfg.username != "" || cfg.password != "pw":
		t.Errorf("user %q password %q", cfg.username, cfg.password)
	case cfg.quarantine != 0 || cfg.nodeTimeout != 2*time.Second:
		t.Errorf("quarantine %v node timeout %v (a plain integer is seconds)", cfg.quarantine, cfg.nodeTimeout)
	case cfg.tls == nil || cfg.tls.InsecureSkipVerify || cfg.tls.ServerName != "":
		t.Errorf("rediss:// TLS config %+v", cfg.tls)
	}

	cfg, _ = cfgOf(t, "h:1?skip_verify=true", true)
	if !cfg.tls.InsecureSkipVerify {
		t.Error("skip_verify=true ignored")
	}
	cfg, _ = cfgOf(t, "h:1", false)
	if cfg.quarantine != DefaultQuarantine || cfg.keyPrefix != DefaultKeyPrefix || cfg.db != 0 {
		t.Errorf("defaults not kept: %+v", cfg)
	}
}

// TestParseServiceRejects: malformed addresses and unknown parameters are invalid
// arguments.
func TestParseServiceRejects(t *testing.T) {
	for _, s := range []string{
		"", "@", "h", "h:", ":6379", "h:0", "h:65536", "h:x", "h:1,", "h:1,,h:2", "h:1,h:1",
		"h:1/x", "h:1/-1", "h:1/1/2", "h:1?x=1", "h:1?node_timeout=abc", "h:1?quarantine=-1s",
		"h:1?quarantine=1m&quarantine=2m", "h:1?skip_verify=true", "h:1?key_prefix=", "u:%zz@h:1",
		"h:1?%zz", "[::1:6379",
	} {
		_, err := Open(s, false)
		if !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("Open(%q) = %v, want an invalid argument", s, err)
		}
	}
}

// TestRegisteredSchemes: driver.Open dispatches redis:// and rediss:// here.
func TestRegisteredSchemes(t *testing.T) {
	for _, u := range []string{"redis://127.0.0.1:1,127.0.0.1:2,127.0.0.1:3", "rediss://127.0.0.1:1"} {
		l, err := driver.Open(u)
		if err != nil {
			t.Fatalf("driver.Open(%q): %v", u, err)
		}
		if _, ok := l.(*Client); !ok {
			t.Errorf("driver.Open(%q) = %T", u, l)
		}
		l.Close()
	}
}

// FuzzParseService: no input panics, and every input either parses or is an invalid
// argument.
func FuzzParseService(f *testing.F) {
	for _, s := range []string{"h:1", "u:p@h1:1,h2:2/0?node_timeout=5ms&quarantine=0", "[::1]:1", "@@:/?&=",
		"h:1?skip_verify=1", "a:1,b:2,c:3?key_prefix=%7B"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, useTLS bool) {
		c, err := Open(s, useTLS)
		if err != nil {
			if !errors.Is(err, core.ErrInvalidArgument) {
				t.Fatalf("Open(%q): %v is not an invalid argument", s, err)
			}
			return
		}
		c.Close()
	})
}

package server

import (
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseConfigDefaults(t *testing.T) {
	c, err := ParseConfig(nil, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Listen: "127.0.0.1:8080", MaxWaiters: 10000, AuthReloadInterval: 2 * time.Second, MinTTL: 5 * time.Second, MaxTTL: 10 * time.Minute, MaxWait: time.Minute,
		LogLevel: slog.LevelInfo, ShutdownTimeout: 15 * time.Second, WaitLogInterval: 10 * time.Second, UI: true,
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
}

// TestParseConfigEnvAndFlags checks that every flag has its DISTLOCK_ variable and that
// a flag given on the command line wins over it.
func TestParseConfigEnvAndFlags(t *testing.T) {
	env := map[string]string{
		"DISTLOCK_LISTEN":               "127.0.0.1:9999",
		"DISTLOCK_REDIS":                "redis://a:1,b:2,c:3",
		"DISTLOCK_TLS_CERT":             "c.pem",
		"DISTLOCK_TLS_KEY":              "k.pem",
		"DISTLOCK_CORS_ORIGINS":         "https://a.example, https://b.example",
		"DISTLOCK_MIN_TTL":              "10s",
		"DISTLOCK_MAX_TTL":              "2m",
		"DISTLOCK_MAX_WAIT":             "20s",
		"DISTLOCK_LOG_LEVEL":            "debug",
		"DISTLOCK_READY_FILE":           "/tmp/r",
		"DISTLOCK_SHUTDOWN_TIMEOUT":     "3s",
		"DISTLOCK_WAIT_LOG_INTERVAL":    "0s",
		"DISTLOCK_INSECURE_NO_AUTH":     "true",
		"DISTLOCK_ALLOWED_HOSTS":        "lock.example,10.0.0.1",
		"DISTLOCK_MAX_WAITERS":          "50",
		"DISTLOCK_AUTH_RELOAD_INTERVAL": "1s",
		"DISTLOCK_UI":                   "false",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	c, err := ParseConfig([]string{"--listen", "127.0.0.1:7777", "--max-wait", "7s"}, lookup, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Listen: "127.0.0.1:7777", Redis: "redis://a:1,b:2,c:3", TLSCert: "c.pem", TLSKey: "k.pem",
		CORSOrigins: []string{"https://a.example", "https://b.example"},
		MinTTL:      10 * time.Second, MaxTTL: 2 * time.Minute, MaxWait: 7 * time.Second,
		LogLevel: slog.LevelDebug, ReadyFile: "/tmp/r", ShutdownTimeout: 3 * time.Second,
		InsecureNoAuth: true, AllowedHosts: []string{"lock.example", "10.0.0.1"}, MaxWaiters: 50, AuthReloadInterval: time.Second,
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
}

func TestParseConfigRejects(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{args: []string{"--redis", "redis://a", "--lock-service", "memory://x"}, want: "not both"},
		{args: []string{"--redis", "a:6379"}, want: "redis:// or rediss://"},
		{args: []string{"--tls-cert", "c.pem"}, want: "go together"},
		{args: []string{"--min-ttl", "1s"}, want: "--min-ttl"},
		{args: []string{"--max-ttl", "1h"}, want: "--max-ttl"},
		{args: []string{"--min-ttl", "1m", "--max-ttl", "30s"}, want: "--min-ttl"},
		{args: []string{"--max-wait", "-1s"}, want: "negative"},
		{args: []string{"--log-level", "loud"}, want: "--log-level"},
		{args: []string{"--shutdown-timeout", "0s"}, want: "positive"},
		{args: []string{"--max-wait", "soon"}, want: "invalid value"},
		{args: []string{"extra"}, want: "unexpected arguments"},
		{args: []string{"--no-such-flag"}, want: "not defined"},
		{env: map[string]string{"DISTLOCK_MAX_TTL": "forever"}, want: "DISTLOCK_MAX_TTL"},
		{args: []string{"--listen", ":8080"}, want: "--insecure-no-auth"},
		{args: []string{"--listen", "0.0.0.0:8080"}, want: "not a loopback address"},
		{args: []string{"--listen", "[::]:8080"}, want: "not a loopback address"},
		{args: []string{"--listen", "lock.example:8080"}, want: "not a loopback address"},
		{args: []string{"--max-waiters", "0"}, want: "--max-waiters"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " ")+strings.Join(keys(tc.env), " "), func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
			_, err := ParseConfig(tc.args, lookup, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

func noEnv(string) (string, bool) { return "", false }

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestRedactHidesCredentials(t *testing.T) {
	cases := map[string]string{
		"redis://app:s3cret@h1:6379,h2:6379/1?quarantine=0": "redis://xxxxx@h1:6379,h2:6379/1?quarantine=0",
		"rediss://:s3cret@h1:6379":                          "rediss://xxxxx@h1:6379",
		"redis://h1:6379,h2:6379?key_prefix=a@b":            "redis://h1:6379,h2:6379?key_prefix=a@b",
		"memory://dev":                                      "memory://dev",
	}
	for in, want := range cases {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

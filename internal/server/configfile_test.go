package server

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// configCases are settings valid together, each flag in at least one of them with a
// value other than its default: what a file says must equal what the flags say.
var configCases = []map[string]string{
	{
		"listen": "127.0.0.1:7777", "auth": "/etc/distlock/auth.yaml", "auth-reload-interval": "5s",
		"allowed-hosts": "a.example,b.example", "max-waiters": "7", "redis": "redis://a:1,b:2,c:3",
		"tls-cert": "c.pem", "tls-key": "k.pem", "tls-client-ca": "ca.pem",
		"cors-origins": "https://a.example,https://b.example", "min-ttl": "10s", "max-ttl": "2m",
		"max-wait": "20s", "log-level": "debug", "ready-file": "/tmp/r", "shutdown-timeout": "3s",
		"wait-log-interval": "0s",
	},
	{"listen": "0.0.0.0:8080", "insecure-no-auth": "true", "lock-service": "memory://x", "ui": "false"},
}

// TestConfigFileEqualsFlags sets every flag once by --config and once on the command
// line and checks that both give the same Config.
func TestConfigFileEqualsFlags(t *testing.T) {
	covered := map[string]bool{configFlag: true}
	for i, settings := range configCases {
		var args []string
		var yaml strings.Builder
		for k, v := range settings {
			covered[k] = true
			args = append(args, "--"+k+"="+v)
			if strings.Contains(v, ",") {
				fmt.Fprintf(&yaml, "%s: [%s]\n", k, v) // a list, as a reader writes one
			} else {
				fmt.Fprintf(&yaml, "%s: %q\n", k, v)
			}
		}
		fromFlags, err := ParseConfig(args, noEnv, io.Discard)
		if err != nil {
			t.Fatalf("case %d by flags: %v", i, err)
		}
		fromFile, err := ParseConfig([]string{"--config", writeConfig(t, yaml.String())}, noEnv, io.Discard)
		if err != nil {
			t.Fatalf("case %d by file: %v\n%s", i, err, yaml.String())
		}
		if !reflect.DeepEqual(fromFile, fromFlags) {
			t.Errorf("case %d:\nby file  %+v\nby flags %+v", i, fromFile, fromFlags)
		}
	}
	for _, name := range flagNames(t) {
		if !covered[name] {
			t.Errorf("no config case sets --%s", name)
		}
	}
}

// TestConfigFileIsOverridden checks the order: the file, then the environment, then
// the command line; and that DISTLOCK_CONFIG names the file too.
func TestConfigFileIsOverridden(t *testing.T) {
	file := writeConfig(t, "max-ttl: 2m\nmax-wait: 20s\nmin-ttl: 6s\n")
	env := map[string]string{"DISTLOCK_CONFIG": file, "DISTLOCK_MAX_WAIT": "30s", "DISTLOCK_MIN_TTL": "7s"}
	c, err := ParseConfig([]string{"--min-ttl", "8s"}, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxTTL.String() != "2m0s" || c.MaxWait.String() != "30s" || c.MinTTL.String() != "8s" {
		t.Fatalf("max-ttl %v (file), max-wait %v (env over file), min-ttl %v (flag over both)", c.MaxTTL, c.MaxWait, c.MinTTL)
	}
}

func TestConfigFileRejects(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"max-tll: 2m\n", `"max-tll" is not a setting`},
		{"config: other.yaml\n", `"config" is not a setting`},
		{"max-wait: 30\n", `max-wait: "30": parse error`},
		{"redis: {host: a}\n", "is not a setting's value"},
		{"- listen\n", "cannot unmarshal"},
		{"max-ttl: 1h\n", "--max-ttl"},
	} {
		_, err := ParseConfig([]string{"--config=" + writeConfig(t, tc.yaml)}, noEnv, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error containing %q", tc.yaml, err, tc.want)
		}
	}
	if _, err := ParseConfig([]string{"--config", filepath.Join(t.TempDir(), "none.yaml")}, noEnv, io.Discard); err == nil {
		t.Error("a missing config file is no error")
	}
}

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "distlock.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// flagNames returns the names of serve's flags, from its usage text.
func flagNames(t *testing.T) []string {
	t.Helper()
	var usage strings.Builder
	_, _ = ParseConfig([]string{"-h"}, noEnv, &usage)
	var names []string
	for _, l := range strings.Split(usage.String(), "\n") {
		if f, ok := strings.CutPrefix(strings.TrimSpace(l), "-"); ok && strings.HasPrefix(l, "  -") {
			names = append(names, strings.Fields(f)[0])
		}
	}
	if len(names) < 10 {
		t.Fatalf("flags from the usage: %v", names)
	}
	return names
}

// TestReadmeConfigExample parses the config file example of connectsvc/README.md.
func TestReadmeConfigExample(t *testing.T) {
	b, err := os.ReadFile("../../connectsvc/README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(b), "`--config`")
	_, rest, _ = strings.Cut(rest, "```yaml\n")
	example, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("connectsvc/README.md has no ```yaml example after `--config`")
	}
	c, err := ParseConfig([]string{"--config", writeConfig(t, example)}, noEnv, io.Discard)
	if err != nil {
		t.Fatalf("the README's example: %v\n%s", err, example)
	}
	if c.MaxTTL.String() != "2m0s" || len(c.CORSOrigins) != 2 {
		t.Fatalf("the README's example gave %+v", c)
	}
}

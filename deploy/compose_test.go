package deploy_test

import (
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/internal/auth"
	"github.com/distlock/distlock/internal/server"
)

// compose is the part of a compose file the tests read.
type compose struct {
	Services map[string]struct {
		Image       string
		Command     []string
		Environment map[string]string
		Ports       []string
		Volumes     []string
		DependsOn   []string `yaml:"depends_on"`
		Profiles    []string
	}
	Volumes map[string]any
}

// testEnv are the variables the compose file needs, as an operator exports them.
var testEnv = map[string]string{"DISTLOCK_REDIS_PASSWORD": "distlockTestPassword1", "REDIS_ADMIN_PASSWORD": "adminTestPassword1"}

// loadCompose parses compose.yaml with testEnv interpolated as docker compose does.
func loadCompose(t *testing.T) compose {
	t.Helper()
	var c compose
	if err := yaml.Unmarshal([]byte(interpolate(t, readFile(t, "compose.yaml"))), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// interpolate replaces ${NAME}, ${NAME:?message} and $$ as docker compose does; a
// variable missing from testEnv fails the test.
func interpolate(t *testing.T, s string) string {
	t.Helper()
	re := regexp.MustCompile(`\$\$|\$\{([A-Z_][A-Z0-9_]*)(:\?[^}]*)?\}`)
	return re.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		name := re.FindStringSubmatch(m)[1]
		v, ok := testEnv[name]
		if !ok {
			t.Errorf("compose.yaml uses %s, which the tests do not set", name)
		}
		return v
	})
}

var redisNodes = []string{"redis-1", "redis-2", "redis-3"}

// TestComposeIsConsistent checks that the compose file's parts fit together: three
// Redis masters with persistence and a memory bound, two replicas whose configuration
// `distlock serve` accepts and whose Redis URL names those masters and the ACL user,
// and a load balancer publishing the service that routes to both replicas by /readyz.
func TestComposeIsConsistent(t *testing.T) {
	c := loadCompose(t)
	for _, name := range append(slices.Clone(redisNodes), "distlock-1", "distlock-2", "lb", "redis-init") {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("no service %s", name)
		}
	}
	conf := readFile(t, "redis/redis.conf")
	for _, want := range []string{"\nappendonly yes", "\nappendfsync always", "\nmaxmemory ", "\nmaxmemory-policy noeviction"} {
		if !strings.Contains(conf, want) {
			t.Errorf("redis/redis.conf lacks %q", strings.TrimSpace(want))
		}
	}
	for _, name := range redisNodes {
		s := c.Services[name]
		if !slices.Contains(s.Volumes, "./redis/redis.conf:/usr/local/etc/redis/redis.conf:ro") ||
			!slices.Contains(s.Volumes, name+":/data") || c.Volumes[name] == nil {
			t.Errorf("%s: volumes %v: want the config and a named volume at /data", name, s.Volumes)
		}
		if len(s.Command) < 2 || s.Command[1] != "/usr/local/etc/redis/redis.conf" {
			t.Errorf("%s does not start with the mounted config: %v", name, s.Command)
		}
		if len(s.Ports) > 0 {
			t.Errorf("%s publishes ports %v: Redis stays on the compose network", name, s.Ports)
		}
	}

	var listenPort string
	for _, name := range []string{"distlock-1", "distlock-2"} {
		s := c.Services[name]
		// The image's CMD is "serve"; the settings come from the environment.
		cfg, err := server.ParseConfig(nil, func(k string) (string, bool) { v, ok := s.Environment[k]; return v, ok }, io.Discard)
		if err != nil {
			t.Fatalf("%s: distlock serve rejects its environment: %v", name, err)
		}
		u, err := url.Parse(strings.Replace(cfg.Redis, ",", "/", -1)) // the first host only, for the user
		if err != nil {
			t.Fatal(err)
		}
		pw, _ := u.User.Password()
		if u.User.Username() != "distlock" || pw != testEnv["DISTLOCK_REDIS_PASSWORD"] {
			t.Errorf("%s connects as %q, want the ACL user distlock with its password", name, u.User.Username())
		}
		hosts := cfg.Redis[strings.LastIndexByte(cfg.Redis, '@')+1:]
		if want := strings.Join([]string{"redis-1:6379", "redis-2:6379", "redis-3:6379"}, ","); hosts != want {
			t.Errorf("%s runs Redlock over %s, want %s", name, hosts, want)
		}
		_, listenPort, _ = strings.Cut(cfg.Listen, ":")
		if cfg.Auth != "/etc/distlock/auth.yaml" || !slices.Contains(s.Volumes, "./auth.yaml:"+cfg.Auth+":ro") {
			t.Errorf("%s: auth file %q, volumes %v: want deploy/auth.yaml mounted there", name, cfg.Auth, s.Volumes)
		}
		for _, n := range redisNodes {
			if !slices.Contains(s.DependsOn, n) {
				t.Errorf("%s does not depend on %s", name, n)
			}
		}
	}

	lb := c.Services["lb"]
	if !slices.Contains(lb.Ports, "8080:8080") {
		t.Errorf("lb publishes %v, want 8080:8080", lb.Ports)
	}
	haproxy := readFile(t, "haproxy/haproxy.cfg")
	for _, want := range []string{
		"bind :8080",
		"option httpchk GET " + connectsvc.ReadinessPath,
		"server distlock-1 distlock-1:" + listenPort,
		"server distlock-2 distlock-2:" + listenPort,
	} {
		if !strings.Contains(haproxy, want) {
			t.Errorf("haproxy/haproxy.cfg lacks %q", want)
		}
	}
	if _, err := auth.LoadFile("auth.example.yaml"); err != nil {
		t.Errorf("auth.example.yaml: %v", err)
	}
	init := c.Services["redis-init"]
	if !slices.Contains(init.Profiles, "init") {
		t.Error("redis-init runs at every `up`; it must be asked for (profile init)")
	}
	if want := []string{"redis", "init", "redis://admin:" + testEnv["REDIS_ADMIN_PASSWORD"] + "@redis-1:6379,redis-2:6379,redis-3:6379"}; !slices.Equal(init.Command, want) {
		t.Errorf("redis-init runs %q, want %q", init.Command, want)
	}
}

// redisArgs turns the compose file's redis-server command and the mounted config into
// redis-server arguments for a test node: the config's directives (but dir, the
// container's /data) and the users.
func redisArgs(t *testing.T) []string {
	t.Helper()
	cmd := loadCompose(t).Services["redis-1"].Command
	var args []string
	for _, l := range strings.Split(readFile(t, "redis/redis.conf"), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") || f[0] == "dir" {
			continue
		}
		args = append(args, "--"+f[0])
		for _, v := range f[1:] {
			args = append(args, strings.Trim(v, `"`))
		}
	}
	if len(cmd) < 3 {
		t.Fatalf("redis-1's command %v has no users", cmd)
	}
	return append(args, cmd[2:]...)
}

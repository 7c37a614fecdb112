package cli

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/internal/auth"
	"github.com/distlock/distlock/internal/servertest"
)

// lockedBuffer keeps the service's logs, written from its goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// authService is a `distlock serve --auth` for one test and the tokens of its file:
// alice may do anything under team-a/, bob may take any lock but hold only one.
type authService struct {
	url        string
	alice, bob string
	aliceFile  string // alice's token in a file, with the line break editors add
	secrets    []string
	logs       *lockedBuffer
	wrong      string
}

func startAuthService(t *testing.T) *authService {
	t.Helper()
	s := &authService{logs: &lockedBuffer{}}
	var aliceSum, bobSum string
	s.alice, aliceSum = auth.NewToken()
	s.bob, bobSum = auth.NewToken()
	s.wrong, _ = auth.NewToken()
	s.secrets = []string{s.alice, s.bob, s.wrong}
	dir := t.TempDir()
	file := filepath.Join(dir, "auth.yaml")
	policy := fmt.Sprintf(`tokens:
  - {principal: alice, groups: [team-a], sha256: %s}
  - {principal: bob, sha256: %s}
rules:
  - {groups: [team-a], verbs: [acquire, read, admin], resources: ["team-a/"]}
  - {principals: [bob], verbs: [acquire, read], resources: ["*"]}
quotas:
  principals:
    bob: {max_held: 1}
`, aliceSum, bobSum)
	s.aliceFile = filepath.Join(dir, "alice.token")
	for path, content := range map[string]string{file: policy, s.aliceFile: s.alice + "\n"} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := servertest.Start(s.logs, "--auth", file, "--lock-service", "memory://cli-auth", "--log-level", "debug")
	if err != nil {
		t.Fatal(err)
	}
	s.url = srv.URL
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("stopping the service: %v", err)
		}
		s.noSecretIn(t, "the service's logs", s.logs.String())
	})
	// The tests choose the environment: a DISTLOCK_TOKEN of the machine must not count.
	env := map[string]string{}
	lookupEnv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	t.Cleanup(func() { lookupEnv = defaultLookupEnv })
	return s
}

func (s *authService) noSecretIn(t *testing.T, what, text string) {
	t.Helper()
	for _, tok := range s.secrets {
		if strings.Contains(text, tok) {
			t.Errorf("%s show a token:\n%s", what, text)
		}
	}
}

// run runs one command with extra flags against the service and checks that its output
// shows no token. The flags go before a "--", after which run's CMD starts.
func (s *authService) run(t *testing.T, args []string, flags ...string) cliResult {
	t.Helper()
	flags = append(flags, "--server", s.url)
	at := slices.Index(args, "--")
	if at < 0 {
		at = len(args)
	}
	r := runCLI(t.Context(), nil, slices.Concat(args[:at], flags, args[at:])...)
	s.noSecretIn(t, strings.Join(args[:1], " ")+"'s output", r.stdout+r.stderr)
	return r
}

// clientCommands are the arguments of every client command, for resource.
func clientCommands(resource string) [][]string {
	return [][]string{
		{"acquire", resource, "--ttl", "10s"},
		{"release", resource, "--lease", "dl_notaleasetoken0123456789"},
		{"extend", resource, "--lease", "dl_notaleasetoken0123456789"},
		{"info", resource},
		{"run", resource, "--", "true"},
		{"run", resource, "--hold", "--", "true"},
		{"watch", resource},
		{"ls", resource},
		{"break", resource, "--reason", "test"},
	}
}

func TestEveryClientCommandNeedsAToken(t *testing.T) {
	s := startAuthService(t)
	for _, args := range clientCommands("team-a/x") {
		for name, extra := range map[string][]string{"no token": nil, "a wrong token": {"--token", s.wrong}} {
			r := s.run(t, args, extra...)
			if r.code != exitRefused || !strings.Contains(r.stderr, "unauthenticated") || !strings.Contains(r.stderr, tokenEnv) {
				t.Errorf("%v with %s: exit %d, want %d, and a message naming %s; stderr:\n%s", args, name, r.code, exitRefused, tokenEnv, r.stderr)
			}
			if strings.Contains(r.stderr, "waiting") {
				t.Errorf("%v with %s said it was waiting for the lock:\n%s", args, name, r.stderr)
			}
		}
	}
}

func TestOutOfNamespaceIsRefused(t *testing.T) {
	s := startAuthService(t)
	for _, args := range clientCommands("team-b/x") {
		if args[0] == "release" || args[0] == "extend" {
			continue // their lease is checked first: see TestTokenSources
		}
		r := s.run(t, args, "--token", s.alice)
		if r.code != exitRefused || !strings.Contains(r.stderr, "permission denied") {
			t.Errorf("%v: exit %d, want %d and permission denied; stderr:\n%s", args, r.code, exitRefused, r.stderr)
		}
	}
}

func TestQuotaExitCode(t *testing.T) {
	s := startAuthService(t)
	if r := s.run(t, []string{"acquire", "any/1", "--ttl", "10s"}, "--token", s.bob); r.code != exitOK {
		t.Fatalf("the first lock: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	r := s.run(t, []string{"acquire", "any/2", "--ttl", "10s"}, "--token", s.bob)
	if r.code != exitExhausted || !strings.Contains(r.stderr, `quota max_held (1) reached for "bob"`) {
		t.Fatalf("a second lock: exit %d, want %d and the quota named; stderr:\n%s", r.code, exitExhausted, r.stderr)
	}
}

// TestTokenSources takes, extends and releases a lock, and runs a command under it, with
// the token from each source, and checks that the flag wins over the file and the file
// over the environment.
func TestTokenSources(t *testing.T) {
	s := startAuthService(t)
	env := map[string]string{}
	lookupEnv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for name, c := range map[string]struct {
		env   string
		flags []string
	}{
		"--token":      {env: s.wrong, flags: []string{"--token", s.alice, "--token-file", filepath.Join(t.TempDir(), "none")}},
		"--token-file": {env: s.wrong, flags: []string{"--token-file", s.aliceFile}},
		"$" + tokenEnv: {env: s.alice},
	} {
		env[tokenEnv] = c.env
		res := "team-a/" + strings.Trim(name, "-$ ")
		r := s.run(t, []string{"acquire", res, "--ttl", "10s"}, c.flags...)
		if r.code != exitOK {
			t.Errorf("%s: acquire exit %d; stderr:\n%s", name, r.code, r.stderr)
			continue
		}
		var lease distlockv1.AcquireResponse
		if err := protojson.Unmarshal([]byte(r.stdout), &lease); err != nil {
			t.Fatalf("%s: acquire printed %q: %v", name, r.stdout, err)
		}
		for _, args := range [][]string{
			{"extend", res, "--lease", lease.LeaseToken, "--ttl", "10s"},
			{"info", res},
			{"release", res, "--lease", lease.LeaseToken},
			{"run", res, "--", "true"},
			{"run", res, "--hold", "--", "true"},
			{"ls", "team-a/"},
		} {
			if r := s.run(t, args, c.flags...); r.code != exitOK {
				t.Errorf("%s: %v exit %d; stderr:\n%s", name, args, r.code, r.stderr)
			}
		}
	}
}

func TestBadTokenIsUsage(t *testing.T) {
	s := startAuthService(t)
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, flags := range map[string][]string{
		"a token with a space": {"--token", "dl_a " + s.alice},
		"a missing token file": {"--token-file", filepath.Join(t.TempDir(), "none")},
		"an empty token file":  {"--token-file", empty},
	} {
		r := s.run(t, []string{"info", "team-a/x"}, flags...)
		if r.code != exitUsage {
			t.Errorf("%s: exit %d, want %d; stderr:\n%s", name, r.code, exitUsage, r.stderr)
		}
	}
	if r := s.run(t, []string{"info", "-h"}); strings.Contains(r.stderr, s.alice) || !strings.Contains(r.stderr, "--token-file") {
		t.Errorf("the usage does not show --token-file:\n%s", r.stderr)
	}
}

// TestTokenFileIsReadForEveryRequest changes the token file between two calls of one
// Lessor, as a rotation does during a long `distlock run`, and checks that each request
// carries the file's token of the moment.
func TestTokenFileIsReadForEveryRequest(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		http.Error(w, "no", http.StatusUnauthorized)
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("first-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cf := clientFlags{server: srv.URL, token: tokenFlags{file: file}}
	l, err := cf.open()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, _ = l.Info(t.Context(), "r")
	if err := os.WriteFile(file, []byte("second-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _ = l.Info(t.Context(), "r")
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"Bearer first-token", "Bearer second-token"}; !slices.Equal(seen, want) {
		t.Fatalf("the requests carried %q, want %q", seen, want)
	}
}

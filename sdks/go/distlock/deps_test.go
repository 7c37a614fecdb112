package distlock_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNoRedisCode holds the promise that a program using any package under sdks/go
// does not pull a Redis client, the Redlock implementation or the service into its build.
// It reads `go list -deps` of every package under sdks/go. Test imports are excluded (no
// -test flag): the SDK's own tests start a real service through internal/servertest, and
// a user's build never compiles the tests of a module it depends on.
func TestImportsNoRedisCode(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the go command is not on PATH")
		}
		t.Skip("the go command is not on PATH")
	}
	const module = "github.com/distlock/distlock/"
	out, err := exec.Command(goTool, "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`,
		module+"sdks/go/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	banned := []string{
		"github.com/redis/",
		"github.com/alicebob/miniredis",
		module + "core/redlock",
		module + "core/memory",
		module + "internal/",
	}
	pkgs := 0
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		pkg, deps := fields[0], fields[1:]
		pkgs++
		if len(deps) < 10 {
			t.Errorf("%s: go list found %d dependencies, expected its whole graph", pkg, len(deps))
		}
		for _, dep := range deps {
			for _, b := range banned {
				if strings.HasPrefix(dep, b) || strings.Contains(strings.ToLower(dep), "redis") {
					t.Errorf("%s depends on %s", pkg, dep)
					break
				}
			}
		}
	}
	if pkgs == 0 {
		t.Fatal("go list found no package under sdks/go")
	}
	t.Logf("%d packages under sdks/go checked", pkgs)
}

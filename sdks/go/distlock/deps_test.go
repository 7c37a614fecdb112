package distlock_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNoRedisCode holds the promise that a program using the SDK does not pull a
// Redis client or the Redlock implementation into its build.
func TestImportsNoRedisCode(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the go command is not on PATH")
		}
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/distlock/distlock/sdks/go/distlock").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps listed %d packages, expected the SDK's whole graph", len(deps))
	}
	banned := []string{
		"github.com/redis/",
		"github.com/alicebob/miniredis",
		"github.com/distlock/distlock/core/redlock",
		"github.com/distlock/distlock/core/memory",
	}
	for _, dep := range deps {
		for _, b := range banned {
			if strings.HasPrefix(dep, b) || strings.Contains(strings.ToLower(dep), "redis") {
				t.Errorf("the SDK depends on %s", dep)
				break
			}
		}
	}
}

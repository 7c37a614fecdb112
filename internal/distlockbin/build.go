// Package distlockbin builds the distlock binary for tests that run it as a process.
package distlockbin

import (
	"fmt"
	"os/exec"
	"path/filepath"
)

// Build compiles cmd/distlock into dir and returns the binary's path. It needs the go
// command; the build cache makes every build after the first a link only.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "distlock")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/distlock/distlock/cmd/distlock").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build cmd/distlock: %w\n%s", err, out)
	}
	return bin, nil
}

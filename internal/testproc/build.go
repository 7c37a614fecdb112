package testproc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// modulePath is the main module, whose cmd/distlock [Distlock] builds.
const modulePath = "github.com/distlock/distlock"

var built struct {
	mu   sync.Mutex
	path string
}

// Distlock returns the path of a distlock binary built from the checkout this program
// was built in (the module github.com/distlock/distlock as the go command finds it from
// the working directory, which a test binary has in its package's directory). The first
// call in a process builds it; later calls return the same file.
//
// The binary goes to a directory of the system's temporary directory named after the
// checkout, replacing the one an earlier run left (with a rename, so that a test
// binary of another package running it meanwhile is not disturbed): each checkout
// leaves one binary behind, not one per run.
func Distlock(ctx context.Context) (string, error) {
	built.mu.Lock()
	defer built.mu.Unlock()
	if built.path != "" {
		return built.path, nil
	}
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", modulePath).Output()
	if err != nil {
		return "", fmt.Errorf("locate module %s: %w", modulePath, err)
	}
	root := strings.TrimSpace(string(out))
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(os.TempDir(), "distlock-testproc-"+hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "distlock")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/distlock")
	build.Dir = root
	if b, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/distlock: %w\n%s", err, b)
	}
	final := filepath.Join(dir, "distlock")
	if err := os.Rename(bin, final); err != nil {
		return "", err
	}
	built.path = final
	return final, nil
}

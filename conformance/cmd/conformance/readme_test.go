package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeExampleAdapter runs the minimal adapter of conformance/README.md, as a user
// would with -adapter, on the cases the README names, so the worked example keeps working.
func TestReadmeExampleAdapter(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	python := filepath.Join(root, ".venv", "bin", "python")
	if _, err := os.Stat(python); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing (run make setup): %v", python, err)
		}
		t.Skipf("%s is missing: run make setup", python)
	}
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(b), "<!-- example-adapter:start -->\n```python\n")
	code, _, ok2 := strings.Cut(block, "```\n<!-- example-adapter:end -->")
	if !ok || !ok2 {
		t.Fatal("README.md has no example adapter between its markers")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "adapter.py")
	if err := os.WriteFile(script, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	args := []string{"-root", root, "-q", "-work", dir, "-known-failing", dir,
		"-adapter", "example=" + python + " " + script,
		"-run", "^(acquire-free|acquire-held-no-wait|resources-independent|wait-times-out|contend-eight|default-ttl)$"}
	if code := run(context.Background(), args, io.Discard, &stderr); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "6 cases x 1 targets") {
		t.Errorf("not the six cases on the example alone:\n%s", stderr.String())
	}
}

package distlock_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeShowsTheExamples keeps README.md honest: each of its Go blocks, except the
// import block, must be the body of an example that go test runs (in *example_test.go).
func TestReadmeShowsTheExamples(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	src := flatten(string(all))
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	checked := 0
	for _, b := range blocks {
		code := b[1]
		if strings.HasPrefix(code, "import") {
			continue
		}
		checked++
		if !strings.Contains(src, flatten(code)) {
			t.Errorf("README block is not an example's body:\n%s", code)
		}
	}
	if checked < 4 {
		t.Errorf("checked %d README blocks, want the 4 examples", checked)
	}
}

// flatten drops indentation and blank lines, which differ between a function body and
// a README block.
func flatten(s string) string {
	var out []string
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

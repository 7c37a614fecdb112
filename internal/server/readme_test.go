package server

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The READMEs whose curl examples must work: the service's own, and the root README once
// the section is pasted there between the same markers.
var readmes = []string{"../../connectsvc/README.md", "../../README.md"}

const (
	examplesStart = "<!-- curl-examples:start -->"
	examplesEnd   = "<!-- curl-examples:end -->"
	docsBaseURL   = "http://localhost:8080"
)

var fencedShell = regexp.MustCompile("(?s)```sh\n(.*?)```")

// exampleBlocks returns the ```sh blocks between the curl-examples markers of a README,
// or nil when it has no such section.
func exampleBlocks(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), examplesStart)
	if !ok {
		return nil
	}
	section, _, ok := strings.Cut(rest, examplesEnd)
	if !ok {
		t.Fatalf("%s: %s without %s", path, examplesStart, examplesEnd)
	}
	var blocks []string
	for _, m := range fencedShell.FindAllStringSubmatch(section, -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// TestReadmeCurlExamples runs the README's curl examples, in order and in one shell,
// against a server started as the README says (the embedded default), so the docs cannot
// lie: every command must succeed and print what its "# expect:" comment says.
func TestReadmeCurlExamples(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is needed to run the README's examples: %v", tool, err)
			}
			t.Skipf("%s not installed: %v", tool, err)
		}
	}
	for _, path := range readmes {
		blocks := exampleBlocks(t, path)
		if blocks == nil {
			if path == readmes[0] {
				t.Fatalf("%s has no curl examples", path)
			}
			continue
		}
		t.Run(path, func(t *testing.T) {
			srv := startServer(t)
			// One shell for all blocks, as a reader pastes them into one terminal; each
			// block's output is delimited so that its expectations are checked against it.
			var script strings.Builder
			script.WriteString("set -euo pipefail\n")
			for i, block := range blocks {
				script.WriteString(strings.ReplaceAll(block, docsBaseURL, srv.url))
				fmt.Fprintf(&script, "echo '@@end of block %d@@'\n", i)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
			cmd.Dir = t.TempDir()
			var out, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("examples failed: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), stderr.String())
			}
			outputs := strings.Split(out.String(), "@@end of block ")
			for i, block := range blocks {
				for _, line := range strings.Split(block, "\n") {
					want, ok := strings.CutPrefix(strings.TrimSpace(line), "# expect: ")
					if ok && !strings.Contains(outputs[i], want) {
						t.Errorf("block %d printed\n%s\nwithout %q", i, outputs[i], want)
					}
				}
			}
		})
	}
}

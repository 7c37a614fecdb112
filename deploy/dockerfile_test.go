package deploy_test

import (
	"regexp"
	"strings"
	"testing"
)

// pinnedImage is an image reference with an exact version: a digest, or a tag naming a
// release (golang 1.26.8, Debian 12.11); a moving tag such as "latest", "bookworm" or
// "nonroot" is not.
var pinnedImage = regexp.MustCompile(`(@sha256:[0-9a-f]{64}$)|(:[^:@/]*\d+\.\d+[^:@/]*$)`)

// TestDockerfileIsSafe checks the container recipe statically (there is no container
// engine here): pinned bases, a final stage that runs as a non-root user, nothing
// fetched by URL, exec-form entrypoint.
func TestDockerfileIsSafe(t *testing.T) {
	lines := instructions(t, readFile(t, "Dockerfile"))
	var froms []string
	user := ""
	for _, l := range lines {
		word, rest, _ := strings.Cut(l, " ")
		switch strings.ToUpper(word) {
		case "FROM":
			image := strings.Fields(rest)[0]
			froms = append(froms, image)
			user = "" // each stage starts as root
			if !pinnedImage.MatchString(image) {
				t.Errorf("FROM %s: not pinned to an exact version or digest", image)
			}
		case "USER":
			user = strings.TrimSpace(rest)
		case "ADD":
			if strings.Contains(rest, "://") {
				t.Errorf("ADD of a URL: %s", l)
			}
		case "RUN":
			if regexp.MustCompile(`(curl|wget)[^|]*\|\s*(ba)?sh`).MatchString(rest) {
				t.Errorf("a script piped from the network: %s", l)
			}
		case "ENTRYPOINT", "CMD":
			if !strings.HasPrefix(strings.TrimSpace(rest), "[") {
				t.Errorf("%s in shell form: signals would reach a shell, not distlock", word)
			}
		}
	}
	if len(froms) < 2 {
		t.Errorf("want a build stage and a runtime stage, got FROM %v", froms)
	}
	name, _, _ := strings.Cut(user, ":")
	if name == "" || name == "root" || name == "0" {
		t.Errorf("the final stage runs as %q, want a non-root user", user)
	}
}

// instructions returns the Dockerfile's instructions, continuation lines joined and
// comments dropped.
func instructions(t *testing.T, text string) []string {
	t.Helper()
	var out []string
	var cur strings.Builder
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if more, ok := strings.CutSuffix(l, "\\"); ok {
			cur.WriteString(more + " ")
			continue
		}
		cur.WriteString(l)
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}

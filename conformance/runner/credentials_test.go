package runner

import (
	"slices"
	"testing"

	"github.com/distlock/distlock/internal/auth"
)

// TestCredentialsFileLoads: the generated auth file is one the service accepts, and
// every credential a case may name resolves, to no token only for "none", to distinct
// tokens otherwise.
func TestCredentialsFileLoads(t *testing.T) {
	c, err := newCredentials(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.LoadFile(c.file); err != nil {
		t.Fatalf("the service would refuse the generated file: %v", err)
	}
	var seen []string
	for _, name := range tokenNames {
		tok, ok := c.tokens[name]
		switch {
		case !ok:
			t.Errorf("%s: no token", name)
		case (tok == "") != (name == tokenNone):
			t.Errorf("%s: token %q", name, tok)
		case tok != "" && slices.Contains(seen, tok):
			t.Errorf("%s: the same token as another name", name)
		}
		seen = append(seen, tok)
	}
}

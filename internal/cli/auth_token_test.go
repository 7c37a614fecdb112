package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/distlock/distlock/internal/auth"
)

func TestAuthNewToken(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Run(context.Background(), []string{"auth", "new-token", "ci-deploy", "--groups", "team-a, ops"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var token string
	for line := range strings.Lines(out.String()) {
		if strings.HasPrefix(line, auth.TokenPrefix) {
			token = strings.TrimSpace(line)
		}
	}
	if token == "" {
		t.Fatalf("no token in:\n%s", out.String())
	}
	_, entry, _ := strings.Cut(out.String(), token)
	p, err := auth.Parse([]byte("tokens:\n" + entry))
	if err != nil {
		t.Fatalf("the printed entry does not load: %v\n%s", err, out.String())
	}
	if !strings.Contains(entry, auth.HashToken(token)) || !strings.Contains(entry, "groups: [team-a, ops]") || p == nil {
		t.Fatalf("entry:\n%s", entry)
	}
	for _, args := range [][]string{{"auth"}, {"auth", "new-token"}, {"auth", "new-token", "a", "b"}, {"auth", "new-token", ""}, {"auth", "rotate"}} {
		if code := Run(context.Background(), args, nil, &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

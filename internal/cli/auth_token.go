package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/distlock/distlock/internal/auth"
)

// authCommand is `distlock auth new-token NAME [--groups a,b]`: it prints a new static
// token and the entry that lets it in, so that nobody writes a hash by hand. The token is
// shown once; the server keeps only its SHA-256.
func authCommand(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("distlock auth new-token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	groups := fs.String("groups", "", "comma-separated `groups` of the principal, which rules may name")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: distlock auth new-token NAME [--groups a,b]\n\n"+
			"Prints a new bearer token for the principal NAME, then the entry to add under\n"+
			"tokens: in the --auth file. The token is shown only now: the file stores its\n"+
			"SHA-256. Give it to the client (DISTLOCK_TOKEN, --token-file).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if len(args) == 0 || args[0] != "new-token" {
		fs.Usage()
		return 2
	}
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	rest := fs.Args()
	if len(rest) > 1 { // flags after NAME: the flag package stops at the first argument
		if err := fs.Parse(rest[1:]); err != nil {
			return 2
		}
		rest = append(rest[:1], fs.Args()...)
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "distlock auth new-token: want exactly one NAME")
		return 2
	}
	var gs []string
	for g := range strings.SplitSeq(*groups, ",") {
		if g = strings.TrimSpace(g); g != "" {
			gs = append(gs, g)
		}
	}
	token, entry, err := auth.TokenEntry(rest[0], gs)
	if err != nil {
		fmt.Fprintf(stderr, "distlock auth new-token: %v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "# The token for %s, shown only now (the auth file keeps its SHA-256):\n%s\n"+
		"# Its entry, for the tokens: list of the --auth file:\n%s", rest[0], token, entry)
	return 0
}

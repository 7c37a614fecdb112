// Package cli is the distlock command line: `distlock <command> [flags]`. Each command is
// an entry of a table that the files of this package fill from init, so that adding a
// command touches no other file.
package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/distlock/distlock/internal/server"
)

// Command runs one subcommand with the arguments after its name and returns the
// process's exit code: 0 for success, 2 for bad usage, 1 for other failures. It must
// return when ctx is done (the process got SIGINT or SIGTERM).
type Command func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int

// commands maps each subcommand's name to its implementation. Files of this package add
// theirs from init.
var commands = map[string]Command{
	"serve": server.Command,
	"redis": redisCommand,
}

// summaries holds the one-line description of each command for the usage text; a
// command without one is listed by name only.
var summaries = map[string]string{
	"serve": "serve the lock service (Connect, gRPC, gRPC-Web) on one port",
	"redis": "redis init URL: trust the Redis nodes of a new cluster at once",
}

// Run runs the command named by args[0] with the rest of args. With no command, or an
// unknown one, it prints the usage to stderr and returns 2; "help", -h and --help print
// it to stdout and return 0.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "distlock: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd(ctx, args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, "Usage: distlock <command> [flags]\n\nCommands:\n")
	for _, name := range slices.Sorted(maps.Keys(commands)) {
		fmt.Fprintf(w, "  %-10s %s\n", name, summaries[name])
	}
	fmt.Fprint(w, "\nRun 'distlock <command> -h' for a command's flags.\n")
}

// Package cli is the distlock command line: `distlock <command> [flags]`. The commands
// are the entries of one table, [commands], which is the whole list: a new command is a
// function in a file of its own plus one line there.
package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/distlock/distlock/internal/server"
)

// Command runs one subcommand with the arguments after its name and returns the
// process's exit code: 0 for success, 2 for bad usage, 1 for other failures (the client
// commands add their own, see exitNotAcquired and the codes after it). It must
// return when ctx is done (the process got SIGINT or SIGTERM).
type Command func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int

// A command is one entry of the table: its name, the line the usage text shows for it,
// and its implementation.
type command struct {
	name    string
	summary string
	run     Command
}

// commands lists every command in the order the usage text shows them; one without a
// summary is not shown.
var commands = []command{
	{"serve", "serve the lock service (Connect, gRPC, gRPC-Web) on one port", server.Command},
	{"acquire", "take a lock and print its lease (not renewed: release it or let it expire)", acquireCommand},
	{"release", "release a lock taken by acquire, by its lease token", releaseCommand},
	{"extend", "extend a lock taken by acquire, by its lease token", extendCommand},
	{"info", "show who holds a lock", infoCommand},
	{"run", "hold a lock while a command runs", runCommand},
	{"watch", "print who takes and leaves locks, one line per event", watchCommand},
	{"ls", "list held locks under a prefix: owner, fencing token, time left, waiters", lsCommand},
	{"break", "force-release a lock whatever its token (admin; audited with --reason)", breakCommand},
	{"auth", "auth new-token NAME: make a bearer token and its --auth file entry", authCommand},
	{"redis", "redis init URL: trust the Redis nodes of a new cluster at once", redisCommand},
	{supervisorCommand, "", superviseCommand},
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
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdin, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "distlock: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, "Usage: distlock <command> [flags]\n\nCommands:\n")
	for _, c := range commands {
		if c.summary != "" {
			fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
		}
	}
	fmt.Fprint(w, "\nRun 'distlock <command> -h' for a command's flags.\n")
}

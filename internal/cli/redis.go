package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/distlock/distlock/core/redlock"
)

// redisInitTimeout bounds `distlock redis init`: a few commands per node.
const redisInitTimeout = 30 * time.Second

// redisCommand is `distlock redis init URL`, the operator's step that marks the Redis
// nodes of a new cluster as trusted, so that they count toward a quorum at once rather
// than after the restart quarantine (see redlock's Client.InitNodes).
func redisCommand(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("redis init", "URL",
		"Marks the Redis nodes of URL (redis:// or rediss://, the form `distlock serve`\n"+
			"takes) as brand-new, so the lock service trusts them at once instead of after\n"+
			"the quarantine (10 minutes by default) that protects the locks of a node that\n"+
			"lost its data. Run it once, before the first lock, on the nodes of a new\n"+
			"cluster; never on a node that replaces a member of a cluster in use. A node\n"+
			"that holds any key under the key prefix is refused, with its count of keys,\n"+
			"and then nothing is written.\n\n"+
			"Exit status: 0 done, 1 refused or a node failed, 2 bad usage.", stderr)
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fs.Usage()
		return exitOK
	}
	if len(args) == 0 || args[0] != "init" {
		return usageError(fs, stderr, errors.New("the only subcommand is init"))
	}
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return usageError(fs, stderr, err)
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, errors.New("want exactly one URL"))
	}
	scheme, rest, _ := strings.Cut(pos[0], "://")
	if scheme != "redis" && scheme != "rediss" {
		return usageError(fs, stderr, errors.New("want a redis:// or rediss:// URL"))
	}
	c, err := redlock.Open(rest, scheme == "rediss")
	if err != nil {
		return failure(stderr, "redis init", err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, redisInitTimeout)
	defer cancel()
	if err := c.InitNodes(ctx); err != nil {
		return failure(stderr, "redis init", err)
	}
	fmt.Fprintf(stdout, "initialised %d new nodes (%s): they count toward a quorum at once\n",
		len(c.Nodes()), strings.Join(c.Nodes(), ", "))
	return exitOK
}

package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// resourceArgs parses the arguments of a command about one RESOURCE whose flags named by
// required must be set, and returns the resource, or the exit code of a usage error.
func resourceArgs(fs *flag.FlagSet, args []string, stderr io.Writer, required ...string) (string, int) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return "", usageError(fs, stderr, err)
	}
	if len(pos) != 1 {
		return "", usageError(fs, stderr, errors.New("want exactly one RESOURCE"))
	}
	for _, name := range required {
		if fs.Lookup(name).Value.String() == "" {
			return "", usageError(fs, stderr, fmt.Errorf("--%s is required", name))
		}
	}
	return pos[0], exitOK
}

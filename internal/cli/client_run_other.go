//go:build !unix

package cli

import (
	"context"
	"fmt"
	"io"
)

// runCommand needs process groups and a supervisor process (client_child.go), which
// exist on Unix only; elsewhere it says so rather than run CMD unprotected.
func runCommand(_ context.Context, _ []string, _ io.Reader, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "distlock run: not supported on this system (Unix only)")
	return exitFailure
}

// supervisorCommand and superviseCommand exist for run's sake (client_supervisor.go).
const supervisorCommand = "run-supervisor"

func superviseCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runCommand(ctx, args, stdin, stdout, stderr)
}

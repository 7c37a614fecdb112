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

// Command gocore is the conformance adapter of the Go core: it locks against the Redis
// nodes directly with core/redlock (redis:// URLs), with no service in between.
package main

import (
	"fmt"
	"os"

	"github.com/distlock/distlock/conformance/adapters/goadapter"
	"github.com/distlock/distlock/conformance/protocol"
	_ "github.com/distlock/distlock/core/redlock" // redis://
)

func main() {
	out := protocol.NewWriter(os.Stdout)
	// No hold: Hold is the service's stream; the core's own renewal is core.Hold, which
	// every case with acquire already covers. Watch is the backend's driver.Watcher.
	// Sessions are core.Session's, over Redlock as over the SDK (concurrent Extends
	// instead of one Batch).
	caps := []string{protocol.CapRenewal, protocol.CapBinaryNames, protocol.CapPolicy, protocol.CapWatch, protocol.CapSession}
	a := goadapter.New("go-core", caps, out, nil)
	if err := goadapter.Serve(os.Stdin, out, a); err != nil {
		fmt.Fprintln(os.Stderr, "gocore adapter:", err)
		os.Exit(1)
	}
}

// Command gosdk is the conformance adapter of the Go SDK: the same core API as the Go
// core's adapter, over the service (http:// URLs) through sdks/go/distlock.
package main

import (
	"fmt"
	"os"

	"github.com/distlock/distlock/conformance/adapters/goadapter"
	"github.com/distlock/distlock/conformance/protocol"
	_ "github.com/distlock/distlock/sdks/go/distlock" // http://
)

func main() {
	out := goadapter.NewWriter(os.Stdout)
	a := goadapter.New("go-sdk", []string{protocol.CapRenewal, protocol.CapBinaryNames}, out)
	if err := goadapter.Serve(os.Stdin, out, a); err != nil {
		fmt.Fprintln(os.Stderr, "gosdk adapter:", err)
		os.Exit(1)
	}
}

// Command gosdk is the conformance adapter of the Go SDK: the same core API as the Go
// core's adapter, over the service (http:// URLs) through sdks/go/distlock.
//
// With -protocol connect (the default) it uses the SDK as registered for http:// URLs;
// with -protocol grpc it talks gRPC over HTTP/2 cleartext instead, so the service's gRPC
// path is held to the same cases.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/conformance/adapters/goadapter"
	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/sdks/go/distlock"
)

func main() {
	proto := flag.String("protocol", "connect", "connect or grpc")
	flag.Parse()
	target, open := "go-sdk", func(url string) (driver.Lessor, error) { return driver.Open(url) }
	switch *proto {
	case "connect":
	case "grpc":
		h2c := &http.Transport{Protocols: new(http.Protocols)}
		h2c.Protocols.SetUnencryptedHTTP2(true)
		target = "go-sdk-grpc"
		open = func(url string) (driver.Lessor, error) {
			return distlock.New(url, distlock.WithHTTPClient(&http.Client{Transport: h2c}),
				distlock.WithConnectOptions(connect.WithGRPC()))
		}
	default:
		fmt.Fprintln(os.Stderr, "gosdk adapter: -protocol must be connect or grpc")
		os.Exit(2)
	}
	out := goadapter.NewWriter(os.Stdout)
	a := goadapter.New(target, []string{protocol.CapRenewal, protocol.CapBinaryNames}, out, open)
	if err := goadapter.Serve(os.Stdin, out, a); err != nil {
		fmt.Fprintln(os.Stderr, "gosdk adapter:", err)
		os.Exit(1)
	}
}

// Command gosdk is the conformance adapter of the Go SDK: the same core API as the Go
// core's adapter, over the service (http:// URLs) through sdks/go/distlock.
//
// With -protocol connect (the default) it uses the SDK's Connect protocol; with
// -protocol grpc it talks gRPC over HTTP/2 cleartext instead, so the service's gRPC path
// is held to the same cases.
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
	target := "go-sdk"
	var base []distlock.Option
	switch *proto {
	case "connect":
	case "grpc":
		h2c := &http.Transport{Protocols: new(http.Protocols)}
		h2c.Protocols.SetUnencryptedHTTP2(true)
		target = "go-sdk-grpc"
		base = []distlock.Option{distlock.WithHTTPClient(&http.Client{Transport: h2c}),
			distlock.WithConnectOptions(connect.WithGRPC())}
	default:
		fmt.Fprintln(os.Stderr, "gosdk adapter: -protocol must be connect or grpc")
		os.Exit(2)
	}
	open := func(url string, o goadapter.ClientOptions) (driver.Lessor, error) {
		opts := base
		if o.CallTimeout > 0 {
			opts = append(opts[:len(opts):len(opts)], distlock.WithCallTimeout(o.CallTimeout))
		}
		if o.Token != "" {
			// The SDK checks the token at New, as a user's client does.
			opts = append(opts[:len(opts):len(opts)], distlock.WithToken(o.Token))
		}
		return distlock.New(url, opts...)
	}
	out := protocol.NewWriter(os.Stdout)
	caps := []string{protocol.CapRenewal, protocol.CapBinaryNames, protocol.CapPolicy, protocol.CapHold, protocol.CapWatch,
		protocol.CapSession}
	if err := goadapter.Serve(os.Stdin, out, goadapter.New(target, caps, out, open)); err != nil {
		fmt.Fprintln(os.Stderr, "gosdk adapter:", err)
		os.Exit(1)
	}
}

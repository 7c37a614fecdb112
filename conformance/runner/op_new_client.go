package runner

import (
	"errors"
	"net"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// URLs new-client takes besides literal ones.
const (
	// urlUnreachable is a URL of the target's scheme on a port where nothing listens,
	// so connecting is refused.
	urlUnreachable = "unreachable"
)

// newClientOp creates a named client now, with the given URL and options, instead of
// on first use with the runner's URL.
type newClientOp struct {
	Client string `yaml:"client"`
	// URL is "unreachable" or a literal URL given to the SDK exactly as written; absent,
	// the runner's URL for the client.
	URL         string         `yaml:"url"`
	CallTimeout *spec.Duration `yaml:"call_timeout"`
	Expect      *spec.Expect   `yaml:"expect"`
}

func (o *newClientOp) Check(sc *spec.Scope) error {
	if o.Client == "" {
		return errors.New("missing client")
	}
	return o.Expect.Check(sc)
}

// Caps: a client built from an arbitrary URL, or with a call timeout, is an SDK's.
func (o *newClientOp) Caps() []string { return []string{protocol.CapPolicy} }

func (o *newClientOp) run(r *caseRun) error {
	url, err := o.url(r)
	if err != nil {
		return err
	}
	if o.URL != "" {
		r.urls[o.Client] = url
	}
	nc := &pb.NewClientRequest{Client: o.Client, Url: url, CallTimeout: durationOf(o.CallTimeout)}
	rep, err := r.call(&pb.AdapterRequest{Op: &pb.AdapterRequest_NewClient{NewClient: nc}}, 0)
	if err != nil {
		return err
	}
	return checkCode(o.Expect, rep, url)
}

func (o *newClientOp) url(r *caseRun) (string, error) {
	switch o.URL {
	case "":
		return r.url(o.Client)
	case urlUnreachable:
		addr, err := closedPort()
		if err != nil {
			return "", err
		}
		if r.target.Via == "redis" {
			return "redis://" + addr, nil
		}
		return "http://" + addr, nil
	}
	return o.URL, nil
}

// closedPort returns an address on which a listener was just closed: connecting to it
// is refused (the kernel does not hand the port out again at once).
func closedPort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

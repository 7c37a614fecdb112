package runner

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// URLs new-client takes besides literal ones.
const (
	// urlUnreachable is a URL of the target's scheme on a port where nothing listens,
	// so connecting is refused (see refusedPort).
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
	// Token names the credentials the client presents (see tokenNames), resolved into a
	// real token of the auth service; absent, none.
	Token  string       `yaml:"token"`
	Expect *spec.Expect `yaml:"expect"`
}

func (o *newClientOp) Check(sc *spec.Scope) error {
	if o.Client == "" {
		return errors.New("missing client")
	}
	if o.Token != "" && !slices.Contains(tokenNames, o.Token) {
		return fmt.Errorf("token %q is none of %s", o.Token, strings.Join(tokenNames, ", "))
	}
	return o.Expect.Check(sc)
}

// Caps: a client built from an arbitrary URL, or with a call timeout, is an SDK's; one
// with credentials needs the auth service.
func (o *newClientOp) Caps() []string {
	var caps []string
	if o.URL != "" || o.CallTimeout != nil || o.Token == "" {
		caps = append(caps, protocol.CapPolicy)
	}
	if o.Token != "" {
		caps = append(caps, protocol.CapAuth)
	}
	return caps
}

func (o *newClientOp) run(r *caseRun) error {
	url, err := o.url(r)
	if err != nil {
		return err
	}
	if o.URL != "" {
		r.urls[o.Client] = url
	}
	nc := &pb.NewClientRequest{Client: o.Client, Url: url, CallTimeout: durationOf(o.CallTimeout)}
	if o.Token != "" {
		nc.Token = r.env.creds.tokens[o.Token]
	}
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
		addr, err := refusedPort(r)
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

// refusedPort returns an address whose connections are refused for as long as the case
// runs: a socket bound to it but not listening holds the port, so no other process (or
// another target's proxy, on this busy machine) can start listening there meanwhile, as
// could happen with a listener merely closed.
func refusedPort(r *caseRun) (string, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return "", err
	}
	r.cleanup = append(r.cleanup, func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return "", err
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return "", err
	}
	return "127.0.0.1:" + strconv.Itoa(sa.(*syscall.SockaddrInet4).Port), nil
}

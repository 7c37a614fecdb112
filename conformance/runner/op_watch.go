package runner

import (
	"errors"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// watchOp opens a watch of a resource (or of every resource with a prefix) and names
// it; expect-watch checks its events. It lasts until the case ends.
type watchOp struct {
	Client   string `yaml:"client"`
	Watch    string `yaml:"watch"`
	Resource string `yaml:"resource"`
	Prefix   bool   `yaml:"prefix"`
}

func (o *watchOp) Check(sc *spec.Scope) error {
	switch {
	case o.Client == "":
		return errors.New("missing client")
	case o.Watch == "":
		return errors.New("missing watch (its name)")
	case o.Resource == "" && !o.Prefix:
		return errors.New("missing resource")
	}
	return sc.NameWatch(o.Watch)
}

func (o *watchOp) Caps() []string { return []string{protocol.CapWatch, protocol.CapNotify} }

func (o *watchOp) run(r *caseRun) error {
	url, err := r.url(o.Client)
	if err != nil {
		return err
	}
	rep, err := r.call(&pb.AdapterRequest{Op: &pb.AdapterRequest_Watch{Watch: &pb.WatchRequest{
		Client: o.Client, Url: url, Watch: o.Watch, Resource: o.Resource, Prefix: o.Prefix}}}, 0)
	if err != nil {
		return err
	}
	return checkCode(nil, rep, url)
}

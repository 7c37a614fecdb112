package runner

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/distlock/distlock/conformance/spec"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// expectReleasedOp requires a held lock's resource to be free within a bound, as
// another client sees it: that client acquires it, waiting at most Within (the service
// grants a waiter as soon as the resource is released, so a release that comes only
// with the lease's expiry fails a bound shorter than the TTL), then releases it.
type expectReleasedOp struct {
	lockRef `yaml:",inline"`
	// Client is the other client, which takes the resource.
	Client string         `yaml:"client"`
	Within *spec.Duration `yaml:"within"`
}

func (o *expectReleasedOp) Check(sc *spec.Scope) error {
	switch {
	case o.Client == "":
		return errors.New("missing client (the one that takes the resource)")
	case o.Within == nil:
		return errors.New("missing within")
	}
	return o.lockRef.Check(sc)
}

func (o *expectReleasedOp) Caps() []string { return nil }

func (o *expectReleasedOp) run(r *caseRun) error {
	res, ok := r.resources[o.Lock]
	if !ok {
		return errors.New("expect-released acts on a lock taken with hold")
	}
	if o.Client == r.locks[o.Lock].client {
		return errors.New("expect-released needs a client other than the holder's")
	}
	url, err := r.url(o.Client)
	if err != nil {
		return err
	}
	name := "expect-released:" + o.Lock
	rep, err := r.call(&pb.AdapterRequest{Op: &pb.AdapterRequest_Acquire{Acquire: &pb.AcquireRequest{
		Client: o.Client, Url: url, Lock: name, Resource: res, Wait: durationpb.New(o.Within.Duration)}}}, o.Within.Duration)
	if err != nil {
		return err
	}
	if rep.GetError() != nil {
		return fmt.Errorf("%s was not free for %s within %v: %s", res, o.Client, o.Within.Duration, describe(rep, nil))
	}
	if rep.GetLock().GetFencingToken() <= r.locks[o.Lock].fencing {
		return fmt.Errorf("%s's next grant has fencing token %d, not above the held lock's %d",
			res, rep.GetLock().GetFencingToken(), r.locks[o.Lock].fencing)
	}
	rep, err = r.call(&pb.AdapterRequest{Op: &pb.AdapterRequest_Release{Release: &pb.ReleaseRequest{Lock: name}}}, 0)
	if err != nil {
		return err
	}
	return checkCode(nil, rep, url)
}

package runner

import (
	"errors"
	"fmt"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// infoOp describes a resource's holder as a client sees it.
type infoOp struct {
	Client        string `yaml:"client"`
	spec.Resource `yaml:",inline"`
	Expect        *spec.Expect `yaml:"expect"`
}

func (o *infoOp) Check(sc *spec.Scope) error {
	if o.Client == "" {
		return errors.New("missing client")
	}
	if err := o.Resource.Check(); err != nil {
		return err
	}
	return o.Expect.Check(sc, spec.ExpectFencing, spec.ExpectOwner)
}

func (o *infoOp) Caps() []string {
	if o.Binary() {
		return []string{protocol.CapBinaryNames}
	}
	return nil
}

func (o *infoOp) run(r *caseRun) error {
	url, err := r.url(o.Client)
	if err != nil {
		return err
	}
	rep, err := r.call(&pb.AdapterRequest{Op: &pb.AdapterRequest_Info{Info: &pb.InfoRequest{
		Client: o.Client, Url: url, Resource: o.Text(), ResourceRaw: o.Raw()}}}, 0)
	if err != nil {
		return err
	}
	if err := checkCode(o.Expect, rep, url); err != nil || rep.GetError() != nil {
		return err
	}
	in := rep.GetInfo()
	if in == nil {
		return fmt.Errorf("info answered ok with no result")
	}
	if err := r.checkFencing(o.Expect, in.GetFencingToken()); err != nil {
		return err
	}
	if o.Expect == nil {
		return nil
	}
	if want := o.Expect.Owner; want != nil && in.GetOwner() != *want {
		return fmt.Errorf("owner %q, want %q", in.GetOwner(), *want)
	}
	lock, expire := in.GetLockTime().AsTime(), in.GetExpireTime().AsTime()
	if o.Expect.Times && (in.GetLockTime() == nil || !expire.After(lock)) {
		return fmt.Errorf("lock time %v and expire time %v: want both set, expiry later", lock, expire)
	}
	return nil
}

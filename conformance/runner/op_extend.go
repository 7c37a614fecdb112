package runner

import (
	"errors"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// extendOp extends a lock once, explicitly (ttl absent: the lock's own).
type extendOp struct {
	Lock string         `yaml:"lock"`
	TTL  *spec.Duration `yaml:"ttl"`
	// Token, when set, is the lease token to send instead of the lock's ("" sends none);
	// only targets with the wire capability can send it.
	Token  *string      `yaml:"token"`
	Expect *spec.Expect `yaml:"expect"`
}

func (o *extendOp) Check(sc *spec.Scope) error {
	if o.Lock == "" {
		return errors.New("missing lock")
	}
	if err := sc.Held(o.Lock); err != nil {
		return err
	}
	return o.Expect.Check(sc, spec.ExpectFencing)
}

func (o *extendOp) Caps() []string {
	if o.Token != nil {
		return []string{protocol.CapWire}
	}
	return nil
}

func (o *extendOp) run(r *caseRun) error {
	e := &pb.ExtendRequest{Lock: o.Lock, LeaseToken: o.Token, Ttl: durationOf(o.TTL)}
	rep, err := r.call(&pb.AdapterRequest{Op: &pb.AdapterRequest_Extend{Extend: e}}, 0)
	if err != nil {
		return err
	}
	if err := checkCode(o.Expect, rep, ""); err != nil || rep.GetError() != nil {
		return err
	}
	return r.checkFencing(o.Expect, rep.GetLock().GetFencingToken())
}

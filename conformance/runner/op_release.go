package runner

import (
	"errors"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// releaseOp releases a lock (or leaves its scoped block).
type releaseOp struct {
	Lock string `yaml:"lock"`
	// Token: as extend's.
	Token *string `yaml:"token"`
	// Within bounds the release (default: the runner's call slack).
	Within *spec.Duration `yaml:"within"`
	// RaiseInBlock makes a scoped lock's block body raise before the block is left.
	RaiseInBlock bool         `yaml:"raise_in_block"`
	Expect       *spec.Expect `yaml:"expect"`
}

func (o *releaseOp) Check(sc *spec.Scope) error {
	if o.Lock == "" {
		return errors.New("missing lock")
	}
	if err := sc.Held(o.Lock); err != nil {
		return err
	}
	return o.Expect.Check(sc)
}

func (o *releaseOp) Caps() []string {
	var caps []string
	if o.Token != nil {
		caps = append(caps, protocol.CapWire)
	}
	if o.RaiseInBlock {
		caps = append(caps, protocol.CapScope)
	}
	return caps
}

func (o *releaseOp) run(r *caseRun) error {
	rep, err := r.callWithin(&pb.AdapterRequest{Op: &pb.AdapterRequest_Release{Release: &pb.ReleaseRequest{
		Lock: o.Lock, LeaseToken: o.Token, RaiseInBlock: o.RaiseInBlock}}}, o.Within)
	if err == nil && o.Token == nil {
		n := r.board.get(r.renewKey(o.Lock, true))
		r.locks[o.Lock].releasedAt = &n
	}
	if err != nil {
		return err
	}
	return checkCode(o.Expect, rep, "")
}

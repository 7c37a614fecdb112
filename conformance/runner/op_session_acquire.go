package runner

import (
	"errors"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// sessionAcquireOp takes a lock in a session and names it. The lock is then one like an
// acquired one for release, extend, expect-held, expect-lost and calls by lock (its
// client is the session's), but the session renews it.
type sessionAcquireOp struct {
	Session  string       `yaml:"session"`
	Lock     string       `yaml:"lock"`
	Resource string       `yaml:"resource"`
	Owner    string       `yaml:"owner"`
	Expect   *spec.Expect `yaml:"expect"`
}

func (o *sessionAcquireOp) Check(sc *spec.Scope) error {
	switch {
	case o.Lock == "":
		return errors.New("missing lock")
	case o.Resource == "":
		return errors.New("missing resource")
	}
	if err := sc.Session(o.Session); err != nil {
		return err
	}
	if err := o.Expect.Check(sc, spec.ExpectFencing); err != nil {
		return err
	}
	return nameTaken(sc, o.Lock, false, o.Expect)
}

func (o *sessionAcquireOp) Caps() []string { return []string{protocol.CapSession} }

func (o *sessionAcquireOp) run(r *caseRun) error {
	client := r.sessions[o.Session]
	url, err := r.url(client)
	if err != nil {
		return err
	}
	rep, err := r.call(&pb.AdapterRequest{Op: &pb.AdapterRequest_Acquire{Acquire: &pb.AcquireRequest{
		Client: client, Url: url, Lock: o.Lock, Resource: o.Resource, Owner: o.Owner, Session: o.Session}}}, 0)
	if err != nil {
		return err
	}
	r.resources[o.Lock] = o.Resource
	return r.grant(o.Lock, client, url, o.Expect, rep)
}

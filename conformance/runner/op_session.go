package runner

import (
	"errors"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// sessionOp opens a session for a client and names it: session-acquire takes locks in
// it, which the session renews together (one Batch per renewal period in the SDKs), and
// session-close releases those it still holds. It lasts until the case ends.
type sessionOp struct {
	Client  string         `yaml:"client"`
	Session string         `yaml:"session"`
	TTL     *spec.Duration `yaml:"ttl"`
}

func (o *sessionOp) Check(sc *spec.Scope) error {
	switch {
	case o.Client == "":
		return errors.New("missing client")
	case o.Session == "":
		return errors.New("missing session (its name)")
	case o.TTL == nil:
		return errors.New("missing ttl (the TTL its locks share)")
	}
	return sc.NameSession(o.Session)
}

func (o *sessionOp) Caps() []string { return []string{protocol.CapSession} }

func (o *sessionOp) run(r *caseRun) error {
	url, err := r.url(o.Client)
	if err != nil {
		return err
	}
	rep, err := r.call(&pb.AdapterRequest{Op: &pb.AdapterRequest_Session{Session: &pb.SessionRequest{
		Client: o.Client, Url: url, Session: o.Session, Ttl: durationOf(o.TTL)}}}, 0)
	if err != nil {
		return err
	}
	r.sessions[o.Session] = o.Client
	return checkCode(nil, rep, url)
}

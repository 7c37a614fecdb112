package runner

import (
	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// sessionCloseOp closes a session, which releases the locks it still holds (no lost
// event may follow for them). Within bounds the answer.
type sessionCloseOp struct {
	Session string         `yaml:"session"`
	Within  *spec.Duration `yaml:"within"`
}

func (o *sessionCloseOp) Check(sc *spec.Scope) error { return sc.Session(o.Session) }

func (o *sessionCloseOp) Caps() []string { return []string{protocol.CapSession} }

func (o *sessionCloseOp) run(r *caseRun) error {
	rep, err := r.callWithin(&pb.AdapterRequest{Op: &pb.AdapterRequest_CloseSession{
		CloseSession: &pb.CloseSessionRequest{Session: o.Session}}}, o.Within)
	if err != nil {
		return err
	}
	return checkCode(nil, rep, "")
}

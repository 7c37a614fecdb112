package runner

import (
	"errors"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// holdOp takes a lock over a Hold stream and names it: the service renews it for as
// long as the stream lives. The lock is then one like an acquired one for release,
// expect-lost, expect-held and await (with background).
type holdOp struct {
	Client   string         `yaml:"client"`
	Lock     string         `yaml:"lock"`
	Resource string         `yaml:"resource"`
	TTL      *spec.Duration `yaml:"ttl"`
	Wait     *spec.Duration `yaml:"wait"`
	Owner    string         `yaml:"owner"`
	// Background starts the hold without waiting for its grant; an await step collects it.
	Background bool         `yaml:"background"`
	Expect     *spec.Expect `yaml:"expect"`
}

func (o *holdOp) Check(sc *spec.Scope) error {
	switch {
	case o.Client == "":
		return errors.New("missing client")
	case o.Lock == "":
		return errors.New("missing lock")
	case o.Resource == "":
		return errors.New("missing resource")
	}
	if err := o.Expect.Check(sc, spec.ExpectFencing); err != nil {
		return err
	}
	return nameTaken(sc, o.Lock, o.Background, o.Expect)
}

func (o *holdOp) Caps() []string { return []string{protocol.CapHold, protocol.CapService} }

func (o *holdOp) run(r *caseRun) error {
	url, err := r.url(o.Client)
	if err != nil {
		return err
	}
	req := &pb.AdapterRequest{Op: &pb.AdapterRequest_Hold{Hold: &pb.HoldRequest{Client: o.Client, Url: url,
		Lock: o.Lock, Resource: o.Resource, Ttl: durationOf(o.TTL), Wait: durationOf(o.Wait), Owner: o.Owner}}}
	r.resources[o.Lock] = o.Resource
	wait := o.Wait.Or(0)
	if o.Background {
		p := &pendingAcquire{client: o.Client, url: url, done: make(chan struct{})}
		r.pending[o.Lock] = p
		go func() {
			defer close(p.done)
			p.rep, p.err = r.call(req, wait)
		}()
		return nil
	}
	rep, err := r.call(req, wait)
	if err != nil {
		return err
	}
	return r.grant(o.Lock, o.Client, url, o.Expect, rep)
}

package runner

import (
	"errors"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
)

// capWaitOp makes the proxy lower the wait of a client's Acquire calls to at most Wait,
// as a service whose --max-wait is shorter than the client asks for: it answers aborted
// early, and the SDK must tell that from its own wait running out.
type capWaitOp struct {
	Client string         `yaml:"client"`
	Wait   *spec.Duration `yaml:"wait"`
}

func (o *capWaitOp) Check(*spec.Scope) error {
	if o.Client == "" || o.Wait == nil || o.Wait.Duration <= 0 {
		return errors.New("cap-wait needs a client and a wait above 0")
	}
	return nil
}

func (o *capWaitOp) Caps() []string { return []string{protocol.CapProxy} }

func (o *capWaitOp) run(r *caseRun) error {
	p, err := r.env.proxy(o.Client)
	if err != nil {
		return err
	}
	p.rules.set("Acquire", func(ru *rule) { ru.capWait = o.Wait.Duration })
	return nil
}

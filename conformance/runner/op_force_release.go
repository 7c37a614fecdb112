package runner

import (
	"context"
	"errors"
	"fmt"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
	"github.com/distlock/distlock/core/driver"
	_ "github.com/distlock/distlock/core/redlock" // redis://, the nodes' backend
)

// forceReleaseOp breaks the lock on a resource behind its holder's back, as an operator
// would (driver.ForceReleaser), straight on the Redis nodes: the holder's next renewal
// finds it gone, whatever the target, the Go core included.
type forceReleaseOp struct {
	Resource string `yaml:"resource"`
}

func (o *forceReleaseOp) Check(*spec.Scope) error {
	if o.Resource == "" {
		return errors.New("missing resource")
	}
	return nil
}

func (o *forceReleaseOp) Caps() []string { return []string{protocol.CapNodes} }

func (o *forceReleaseOp) run(r *caseRun) error {
	l, err := driver.Open(r.env.redisURL())
	if err != nil {
		return err
	}
	defer func() { _ = l.Close() }()
	fr, ok := l.(driver.ForceReleaser)
	if !ok {
		return fmt.Errorf("the nodes' backend (%T) cannot force a release", l)
	}
	ctx, cancel := context.WithTimeout(context.Background(), callSlack)
	defer cancel()
	_, err = fr.ForceRelease(ctx, o.Resource)
	return err
}

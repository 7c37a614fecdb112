package runner

import (
	"errors"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
)

// advanceRedisTimeOp moves every node's clock (miniredis only).
type advanceRedisTimeOp struct {
	By *spec.Duration `yaml:"by"`
}

func (o *advanceRedisTimeOp) Check(sc *spec.Scope) error {
	switch {
	case o.By == nil:
		return errors.New("missing by")
	case sc.RealRedis:
		return errors.New("advance-redis-time cannot run on real redis-server: drop real_redis or the step")
	}
	return nil
}

func (o *advanceRedisTimeOp) Caps() []string { return []string{protocol.CapTime} }

func (o *advanceRedisTimeOp) run(r *caseRun) error {
	for _, n := range r.env.nodes {
		if err := n.advance(o.By.Duration); err != nil {
			return err
		}
	}
	return nil
}

package runner

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
	"github.com/distlock/distlock/core/driver"
	_ "github.com/distlock/distlock/core/redlock" // redis://, the nodes' backend
)

// churnOp makes many changes under a prefix without the target: the runner takes Count
// locks, Prefix followed by 0…Count-1, straight on the nodes, then releases them all,
// so that a watch of the prefix has 2×Count changes to report. It is the traffic of
// other processes, not a behaviour of the SDK under test.
type churnOp struct {
	Prefix string `yaml:"prefix"`
	Count  int    `yaml:"count"`
}

// churnWorkers is how many of the churn's calls run at once.
const churnWorkers = 16

func (o *churnOp) Check(*spec.Scope) error {
	switch {
	case o.Prefix == "":
		return errors.New("missing prefix")
	case o.Count < 1:
		return errors.New("count must be at least 1")
	}
	return nil
}

func (o *churnOp) Caps() []string { return []string{protocol.CapNodes} }

func (o *churnOp) run(r *caseRun) error {
	l, err := driver.Open(r.env.redisURL())
	if err != nil {
		return err
	}
	defer func() { _ = l.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	leases := make([]driver.Lease, o.Count)
	acquired := o.each(func(i int) (err error) {
		leases[i], err = l.Acquire(ctx, o.Prefix+strconv.Itoa(i), driver.LeaseOptions{TTL: time.Minute, Owner: "churn"})
		return err
	})
	released := o.each(func(i int) error {
		if leases[i].Token == "" {
			return nil // not taken
		}
		return l.Release(ctx, leases[i])
	})
	if acquired != nil || released != nil {
		return fmt.Errorf("churn under %q: %w", o.Prefix, errors.Join(acquired, released))
	}
	return nil
}

// each runs f for 0…Count-1 on churnWorkers goroutines and returns the first error.
func (o *churnOp) each(f func(i int) error) error {
	var (
		wg   sync.WaitGroup
		next = make(chan int)
		errs = make([]error, churnWorkers)
	)
	for w := range churnWorkers {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil && errs[w] == nil {
					errs[w] = err
				}
			}
		})
	}
	for i := range o.Count {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

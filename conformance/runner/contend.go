package runner

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
)

// contend runs s.Count clients c1…cN that each acquire s.Resource (waiting), check with
// Info that they are the holder, and release. It fails when a grant arrives while the
// runner still counts another client as holder, when Info shows someone else, when
// fencing tokens do not strictly increase in grant order, or when a client is not granted.
//
// The runner counts a client as holder from receiving its grant until sending its
// release. That window lies inside the time the lock service really holds the lock for
// it, so two overlapping windows prove two holders at once.
func (r *caseRun) contend(s *spec.Step) error {
	wait := 30 * time.Second
	if s.Wait != nil {
		wait = s.Wait.Duration
	}
	cmds := make([]protocol.Command, s.Count)
	for i := range cmds {
		st := *s
		st.Client = "c" + strconv.Itoa(i+1)
		st.Lock = "contend-" + st.Client
		st.Wait = &spec.Duration{Duration: wait}
		c, err := r.command(protocol.OpAcquire, &st)
		if err != nil {
			return err
		}
		cmds[i] = c
	}
	var (
		mu     sync.Mutex
		holder string
		order  []uint64
		errs   []error
		wg     sync.WaitGroup
	)
	failf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, fmt.Errorf(format, args...))
	}
	for _, c := range cmds {
		wg.Go(func() {
			rep, err := r.call(c)
			if err != nil || !rep.OK {
				failf("%s was not granted: %s", c.Client, describe(rep, err))
				return
			}
			fencing, err := strconv.ParseUint(rep.Fencing, 10, 64)
			if err != nil {
				failf("%s: fencing token %q is not a decimal uint64", c.Client, rep.Fencing)
			}
			mu.Lock()
			if holder != "" {
				errs = append(errs, fmt.Errorf("%s was granted while %s held the lock", c.Client, holder))
			}
			holder = c.Client
			order = append(order, fencing)
			mu.Unlock()

			info := c
			info.Op, info.Lock, info.TTLMS, info.WaitMS, info.Data = protocol.OpInfo, "", nil, nil, ""
			in, err := r.call(info)
			if err != nil || !in.OK || in.Fencing != rep.Fencing {
				failf("%s holds the lock with fencing token %s, but Info says %s (fencing %s)", c.Client, rep.Fencing, describe(in, err), in.Fencing)
			}

			mu.Lock()
			if holder == c.Client {
				holder = ""
			}
			mu.Unlock()
			rel, err := r.call(protocol.Command{Op: protocol.OpRelease, Lock: c.Lock})
			if err != nil || !rel.OK {
				failf("%s could not release: %s", c.Client, describe(rel, err))
			}
		})
	}
	wg.Wait()
	for i := 1; i < len(order); i++ {
		if order[i] <= order[i-1] {
			errs = append(errs, fmt.Errorf("fencing tokens in grant order %v do not strictly increase", order))
			break
		}
	}
	return errors.Join(errs...)
}

package runner

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/distlock/distlock/conformance/spec"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// contendOp runs Count clients c1…cN that each acquire the resource (waiting), check
// with Info that they are the holder, and release. It fails when a grant arrives while
// the runner still counts another client as holder, when Info shows someone else, when
// fencing tokens do not strictly increase in grant order, or when a client is not
// granted.
//
// The runner counts a client as holder from receiving its grant until sending its
// release. That window lies inside the time the lock service really holds the lock for
// it, so two overlapping windows prove two holders at once.
type contendOp struct {
	Resource string         `yaml:"resource"`
	Count    int            `yaml:"count"`
	TTL      *spec.Duration `yaml:"ttl"`
	Wait     *spec.Duration `yaml:"wait"`
}

func (o *contendOp) Check(*spec.Scope) error {
	switch {
	case o.Resource == "":
		return errors.New("missing resource")
	case o.Count < 2:
		return errors.New("contend needs count >= 2")
	}
	return nil
}

func (o *contendOp) Caps() []string { return nil }

func (o *contendOp) run(r *caseRun) error {
	wait := o.Wait.Or(30 * time.Second)
	acq := &acquireOp{Resource: spec.Resource{Resource: o.Resource}, TTL: o.TTL, Wait: &spec.Duration{Duration: wait}}
	reqs := make([]*pb.AcquireRequest, o.Count)
	for i := range reqs {
		client := "c" + strconv.Itoa(i+1)
		url, err := r.url(client)
		if err != nil {
			return err
		}
		reqs[i] = acq.request(client, "contend-"+client, url)
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
	for _, a := range reqs {
		wg.Go(func() {
			rep, err := r.call(&pb.AdapterRequest{Op: &pb.AdapterRequest_Acquire{Acquire: a}}, wait)
			if err != nil || rep.GetError() != nil {
				failf("%s was not granted: %s", a.Client, describe(rep, err))
				return
			}
			fencing := rep.GetLock().GetFencingToken()
			mu.Lock()
			if holder != "" {
				errs = append(errs, fmt.Errorf("%s was granted while %s held the lock", a.Client, holder))
			}
			holder = a.Client
			order = append(order, fencing)
			mu.Unlock()

			in, err := r.call(&pb.AdapterRequest{Op: &pb.AdapterRequest_Info{Info: &pb.InfoRequest{
				Client: a.Client, Url: a.Url, Resource: a.Resource}}}, 0)
			if err != nil || in.GetError() != nil || in.GetInfo().GetFencingToken() != fencing {
				failf("%s holds the lock with fencing token %d, but Info says %s (fencing %d)", a.Client, fencing, describe(in, err), in.GetInfo().GetFencingToken())
			}

			mu.Lock()
			if holder == a.Client {
				holder = ""
			}
			mu.Unlock()
			rel, err := r.call(&pb.AdapterRequest{Op: &pb.AdapterRequest_Release{Release: &pb.ReleaseRequest{Lock: a.Lock}}}, 0)
			if err != nil || rel.GetError() != nil {
				failf("%s could not release: %s", a.Client, describe(rel, err))
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

// durationOf converts an optional step duration for the protocol.
func durationOf(d *spec.Duration) *durationpb.Duration {
	if d == nil {
		return nil
	}
	return durationpb.New(d.Duration)
}

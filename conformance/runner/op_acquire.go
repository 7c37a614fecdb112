package runner

import (
	"bytes"
	"errors"
	"strings"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// acquireOp takes a lock and names it; absent ttl/wait mean the SDK's defaults.
type acquireOp struct {
	Client        string `yaml:"client"`
	Lock          string `yaml:"lock"`
	spec.Resource `yaml:",inline"`
	TTL           *spec.Duration `yaml:"ttl"`
	Wait          *spec.Duration `yaml:"wait"`
	// Owner and Data (or OwnerLen and DataLen bytes) go with the lock.
	Owner    string `yaml:"owner"`
	OwnerLen int    `yaml:"owner_len"`
	Data     string `yaml:"data"`
	DataLen  int    `yaml:"data_len"`
	// Background starts the acquire without waiting; an await step collects it.
	Background bool `yaml:"background"`
	// Scoped holds the lock in the language's scoped block until its release.
	Scoped bool `yaml:"scoped"`
	// Within bounds how long the adapter may take to answer (default: the wait plus the
	// runner's slack): for cases about how soon an SDK gives up.
	Within *spec.Duration `yaml:"within"`
	Expect *spec.Expect   `yaml:"expect"`
}

func (o *acquireOp) Check(sc *spec.Scope) error {
	switch {
	case o.Client == "":
		return errors.New("missing client")
	case o.Lock == "":
		return errors.New("missing lock")
	case o.Owner != "" && o.OwnerLen != 0 || o.Data != "" && o.DataLen != 0:
		return errors.New("give owner or owner_len, data or data_len, not both")
	case o.OwnerLen < 0 || o.DataLen < 0:
		return errors.New("lengths and counts cannot be negative")
	case o.Within != nil && o.Background:
		return errors.New("within bounds a foreground acquire; a background one is bounded by its await")
	}
	if err := o.Resource.Check(); err != nil {
		return err
	}
	if err := o.Expect.Check(sc, spec.ExpectFencing); err != nil {
		return err
	}
	return nameTaken(sc, o.Lock, o.Background, o.Expect)
}

func (o *acquireOp) Caps() []string {
	if o.Binary() {
		return []string{protocol.CapBinaryNames}
	}
	return nil
}

// request builds the protocol request; client and lock may differ from the step's
// (contend names its own).
func (o *acquireOp) request(client, lock, url string) *pb.AcquireRequest {
	a := &pb.AcquireRequest{Client: client, Url: url, Lock: lock, Resource: o.Text(), ResourceRaw: o.Raw(),
		Ttl: durationOf(o.TTL), Wait: durationOf(o.Wait), Owner: o.Owner, Data: []byte(o.Data), Scoped: o.Scoped}
	if o.OwnerLen > 0 {
		a.Owner = strings.Repeat("o", o.OwnerLen)
	}
	if o.DataLen > 0 {
		a.Data = bytes.Repeat([]byte{0xA5}, o.DataLen)
	}
	return a
}

func (o *acquireOp) run(r *caseRun) error {
	url, err := r.url(o.Client)
	if err != nil {
		return err
	}
	req := &pb.AdapterRequest{Op: &pb.AdapterRequest_Acquire{Acquire: o.request(o.Client, o.Lock, url)}}
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
	var rep *pb.Reply
	if o.Within != nil {
		rep, err = r.callWithin(req, o.Within)
	} else {
		rep, err = r.call(req, wait)
	}
	if err != nil {
		return err
	}
	return r.grant(o.Lock, o.Client, url, o.Expect, rep)
}

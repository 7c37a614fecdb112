package runner

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// readOp reads a resource's payload as a client sees it.
type readOp struct {
	Client        string `yaml:"client"`
	spec.Resource `yaml:",inline"`
	Expect        *spec.Expect `yaml:"expect"`
}

func (o *readOp) Check(sc *spec.Scope) error {
	if o.Client == "" {
		return errors.New("missing client")
	}
	if err := o.Resource.Check(); err != nil {
		return err
	}
	return o.Expect.Check(sc, spec.ExpectData)
}

func (o *readOp) Caps() []string {
	if o.Binary() {
		return []string{protocol.CapBinaryNames}
	}
	return nil
}

func (o *readOp) run(r *caseRun) error {
	url, err := r.url(o.Client)
	if err != nil {
		return err
	}
	rep, err := r.call(&pb.AdapterRequest{Op: &pb.AdapterRequest_Read{Read: &pb.ReadRequest{
		Client: o.Client, Url: url, Resource: o.Text(), ResourceRaw: o.Raw()}}}, 0)
	if err != nil {
		return err
	}
	if err := checkCode(o.Expect, rep, url); err != nil || rep.GetError() != nil || o.Expect == nil {
		return err
	}
	data := rep.GetRead().GetData()
	if want := o.Expect.Data; want != nil && string(data) != *want {
		return fmt.Errorf("payload %q, want %q", data, *want)
	}
	if n := o.Expect.DataLen; n != nil && !bytes.Equal(data, bytes.Repeat([]byte{0xA5}, *n)) {
		return fmt.Errorf("payload of %d bytes is not the %d bytes sent", len(data), *n)
	}
	return nil
}

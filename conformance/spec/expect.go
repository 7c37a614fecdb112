package spec

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/distlock/distlock/conformance/protocol"
)

// Codes are the values expect.code takes.
var Codes = []string{"ok", protocol.CodeAborted, protocol.CodeNotFound, protocol.CodeUnavailable,
	protocol.CodeInvalidArgument, protocol.CodeUnauthenticated, protocol.CodePermissionDenied, protocol.CodeResourceExhausted,
	protocol.CodeDeadlineExceeded, protocol.CodeBody}

// Expect is what a step must produce. Absent, a step must succeed.
type Expect struct {
	// Code is "ok" (the default) or an error code such as "aborted".
	Code string `yaml:"code"`
	// MessageContains must occur in the error's message; "{url}" in it stands for the
	// URL the step's client was given.
	MessageContains string `yaml:"message_contains"`
	// FencingGT and FencingEQ name locks whose fencing token this result's must exceed
	// or equal.
	FencingGT string `yaml:"fencing_gt"`
	FencingEQ string `yaml:"fencing_eq"`
	// Owner and Data are the exact owner label (info) and payload (read).
	Owner *string `yaml:"owner"`
	Data  *string `yaml:"data"`
	// DataLen is the exact payload length (read), for payloads given with data_len.
	DataLen *int `yaml:"data_len"`
	// Times requires info's lock time and expire time to be set, the expire time later.
	Times bool `yaml:"times"`
}

// Result fields an op may allow in its expect block.
const (
	ExpectFencing = "fencing"
	ExpectOwner   = "owner"
	ExpectData    = "data"
)

// Check validates e for an op whose results carry the listed fields. A nil Expect is
// valid (success). It also fills in the default code.
func (e *Expect) Check(sc *Scope, fields ...string) error {
	if e == nil {
		return nil
	}
	if e.Code == "" {
		e.Code = "ok"
	}
	if !slices.Contains(Codes, e.Code) {
		return fmt.Errorf("expect.code %q: use one of %s", e.Code, strings.Join(Codes, ", "))
	}
	for _, l := range []string{e.FencingGT, e.FencingEQ} {
		if l != "" && sc.State(l) != Held {
			return fmt.Errorf("expect refers to lock %s, which is not acquired before this step", l)
		}
	}
	switch {
	case (e.FencingGT != "" || e.FencingEQ != "") && !slices.Contains(fields, ExpectFencing):
		return errors.New("fencing_gt/fencing_eq apply to acquire, await, extend and info")
	case (e.Owner != nil || e.Times) && !slices.Contains(fields, ExpectOwner):
		return errors.New("expect.owner and expect.times apply to info")
	case (e.Data != nil || e.DataLen != nil) && !slices.Contains(fields, ExpectData):
		return errors.New("expect.data and expect.data_len apply to read")
	case e.Code != "ok" && (e.FencingGT != "" || e.FencingEQ != "" || e.Owner != nil || e.Times || e.Data != nil || e.DataLen != nil):
		return errors.New("an expected error carries no result fields")
	case e.Code == "ok" && e.MessageContains != "":
		return errors.New("message_contains applies to an expected error")
	}
	return nil
}

// Fails reports whether the step must fail.
func (e *Expect) Fails() bool { return e != nil && e.Code != "" && e.Code != "ok" }

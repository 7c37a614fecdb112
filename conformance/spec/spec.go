// Package spec is the format of conformance cases: YAML files in conformance/cases, each
// holding a list of cases, decoded strictly and checked when loaded.
//
// A step's op decides its own fields: each op is a Go type (in package runner, one file
// per op, beside the code that runs it) whose YAML fields are the step's, and whose
// Check method holds the rules the types cannot say. This package holds what every op
// shares: the case, the lock scope, the resource forms, the expectation and durations.
// The schema is these Go types, not a separate JSON Schema file: the decoder rejects
// unknown keys with their line numbers, and rules such as "locks defined before use" or
// "no Redis time travel on real redis-server" live next to the types.
package spec

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Op is one kind of step: its fields, decoded from the step's YAML, and its rules.
type Op interface {
	// Check validates the fields and their use of the case's locks so far.
	Check(sc *Scope) error
	// Caps are the capabilities a target needs to run the op (see protocol.Cap*).
	Caps() []string
}

// Ops maps each op name ("acquire", "kill-node") to a constructor of its empty value.
type Ops map[string]func() Op

// Names returns the op names, sorted.
func (o Ops) Names() []string {
	names := make([]string, 0, len(o))
	for n := range o {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Case is one scenario.
type Case struct {
	// Name is unique across all files: lowercase words joined by hyphens.
	Name string
	// Proves is the one-line statement of what the case proves.
	Proves string
	// RealRedis marks the case to run also against real redis-server processes.
	RealRedis bool
	// Requires lists capabilities beyond those the steps imply.
	Requires []string
	// Steps run in order; each waits for its result unless it is a background acquire.
	Steps []Step
	// File is the file the case came from.
	File string
}

// Step is one action of a case.
type Step struct {
	// Do is the op's name; Op its fields.
	Do string
	Op Op
	// Line is the step's line in its file.
	Line int
}

// Caps returns every capability a target needs to run the case: those its steps imply
// and those it lists, sorted and without duplicates.
func (c *Case) Caps() []string {
	caps := slices.Clone(c.Requires)
	for _, s := range c.Steps {
		caps = append(caps, s.Op.Caps()...)
	}
	slices.Sort(caps)
	return slices.Compact(caps)
}

// Duration is a time.Duration written as Go writes it ("5s", "1m30s").
type Duration struct{ time.Duration }

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	d.Duration = v
	return nil
}

// Or returns d, or def when d is absent.
func (d *Duration) Or(def time.Duration) time.Duration {
	if d == nil {
		return def
	}
	return d.Duration
}

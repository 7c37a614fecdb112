// Package spec is the format of conformance cases: YAML files in conformance/cases, each
// holding a list of cases, decoded strictly and checked when loaded.
//
// The schema is this package's Go types plus [Case.Validate], not a separate JSON Schema
// file: the decoder rejects unknown keys (with their line numbers), and the rules a JSON
// Schema could not say well (which fields each step op allows, lock names defined before
// use, no Redis time travel in cases that also run on real redis-server) live next to the
// types in one place. The runner is the only reader of these files, so a second,
// language-neutral schema would be a copy to keep in step for no reader.
package spec

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// File is one YAML file of cases.
type File struct {
	Cases []Case `yaml:"cases"`
}

// Case is one scenario.
type Case struct {
	// Name is unique across all files: lowercase words joined by hyphens.
	Name string `yaml:"name"`
	// Proves is the one-line statement of what the case proves.
	Proves string `yaml:"proves"`
	// RealRedis marks the case to run also against real redis-server processes.
	RealRedis bool `yaml:"real_redis"`
	// Requires lists capabilities beyond those the steps imply (see protocol.Cap*).
	Requires []string `yaml:"requires"`
	// Steps run in order; each waits for its result unless it is a background acquire.
	Steps []Step `yaml:"steps"`

	// File is the file the case came from, set by [Load].
	File string `yaml:"-"`
}

// Step is one action of a case and what it must produce. Which fields an op accepts is
// listed in [ops].
type Step struct {
	// Do is the op, such as "acquire" or "kill-node".
	Do string `yaml:"do"`
	// Client names the client that acts; each name is one SDK client object.
	Client string `yaml:"client"`
	// Lock names the lock an acquire takes, or the one the step acts on.
	Lock string `yaml:"lock"`
	// Resource is the resource name, as UTF-8 text.
	Resource string `yaml:"resource"`
	// ResourceLen, instead of Resource, makes a name of that many bytes ("r" repeated);
	// 0 gives the empty name.
	ResourceLen *int `yaml:"resource_len"`
	// ResourceHex, instead of Resource, gives the name as hex bytes (for invalid UTF-8).
	ResourceHex string `yaml:"resource_hex"`
	// TTL and Wait are the acquire's (or the extend's) TTL and wait; absent, the
	// target's defaults apply.
	TTL  *Duration `yaml:"ttl"`
	Wait *Duration `yaml:"wait"`
	// Owner is the owner label.
	Owner string `yaml:"owner"`
	// OwnerLen, instead of Owner, makes an owner label of that many bytes.
	OwnerLen int `yaml:"owner_len"`
	// Data is the payload, as UTF-8 text.
	Data string `yaml:"data"`
	// DataLen, instead of Data, makes a payload of that many bytes.
	DataLen int `yaml:"data_len"`
	// Token, on extend and release, is the lease token to send instead of the lock's
	// own ("" sends none), to test how the service treats a missing or forged token.
	// Only targets with the "wire" capability can send it.
	Token *string `yaml:"token"`
	// Background starts an acquire without waiting for it; an "await" step collects it.
	Background bool `yaml:"background"`
	// Within bounds how long a waiting step may take.
	Within *Duration `yaml:"within"`
	// For is how long "expect-pending" watches an acquire stay unfinished.
	For *Duration `yaml:"for"`
	// By is how far "advance-redis-time" moves every node's clock.
	By *Duration `yaml:"by"`
	// Node is the node index (0-based) for "kill-node" and "restart-node".
	Node *int `yaml:"node"`
	// Count is how many renewals "await-renewal" waits for, or how many clients contend.
	Count int `yaml:"count"`
	// GT names the lock whose fencing token "compare" requires Lock's to exceed.
	GT string `yaml:"gt"`
	// Expect is what the step must produce; absent, it must succeed.
	Expect *Expect `yaml:"expect"`
}

// Expect is what a step must produce. Absent, a step must succeed.
type Expect struct {
	// Code is "ok" (the default) or an error code such as "aborted".
	Code string `yaml:"code"`
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

package spec

import (
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/distlock/distlock/conformance/protocol"
)

// CapService is the capability of targets that reach locks through the service; the
// runner grants it, not the adapter. Steps that restart the service need it.
const CapService = "service"

// opRule says which step fields an op takes. Fields not listed are rejected.
type opRule struct {
	required []string
	optional []string
	caps     []string // capabilities the op needs
	expect   bool     // whether an expect block is allowed
}

// Step field names as written in YAML; "resource" stands for any of the resource forms.
var ops = map[string]opRule{
	"acquire":            {required: []string{"client", "lock", "resource"}, optional: []string{"ttl", "wait", "owner", "data", "background"}, expect: true},
	"extend":             {required: []string{"lock"}, optional: []string{"ttl", "token"}, expect: true},
	"release":            {required: []string{"lock"}, optional: []string{"token", "within"}, expect: true},
	"info":               {required: []string{"client", "resource"}, expect: true},
	"read":               {required: []string{"client", "resource"}, expect: true},
	"await":              {required: []string{"lock"}, optional: []string{"within"}, expect: true},
	"expect-pending":     {required: []string{"lock", "for"}},
	"pause-renewal":      {required: []string{"lock"}, caps: []string{protocol.CapRenewal}},
	"resume-renewal":     {required: []string{"lock"}, caps: []string{protocol.CapRenewal}},
	"hold-renewal":       {required: []string{"lock"}, caps: []string{protocol.CapRenewal, CapService}},
	"await-held-renewal": {required: []string{"lock"}, optional: []string{"within"}, caps: []string{protocol.CapRenewal, CapService}},
	"await-renewal":      {required: []string{"lock", "count"}, optional: []string{"within"}, caps: []string{protocol.CapRenewal}},
	"expect-lost":        {required: []string{"lock", "within"}, caps: []string{protocol.CapRenewal}},
	"expect-held":        {required: []string{"lock"}, caps: []string{protocol.CapRenewal}},
	"expect-no-renewal":  {required: []string{"lock"}, caps: []string{protocol.CapRenewal}},
	"advance-redis-time": {required: []string{"by"}},
	"kill-node":          {required: []string{"node"}},
	"restart-node":       {required: []string{"node"}},
	"restart-service":    {caps: []string{CapService}},
	"contend":            {required: []string{"resource", "count"}, optional: []string{"ttl", "wait"}},
	"compare":            {required: []string{"lock", "gt"}},
}

// Ops returns the names of every step op, sorted.
func Ops() []string {
	names := make([]string, 0, len(ops))
	for n := range ops {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

var (
	nameRE    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	knownCaps = []string{protocol.CapRenewal, protocol.CapBinaryNames, protocol.CapWire, CapService}
	codes     = []string{"ok", protocol.CodeAborted, protocol.CodeNotFound, protocol.CodeUnavailable,
		protocol.CodeInvalidArgument, protocol.CodeUnauthenticated, protocol.CodePermissionDenied}
)

// set lists the step's fields that are set, by YAML name.
func (s *Step) set() []string {
	var f []string
	add := func(ok bool, name string) {
		if ok {
			f = append(f, name)
		}
	}
	add(s.Client != "", "client")
	add(s.Lock != "", "lock")
	add(s.Resource != "" || s.ResourceLen != nil || s.ResourceHex != "", "resource")
	add(s.TTL != nil, "ttl")
	add(s.Wait != nil, "wait")
	add(s.Owner != "" || s.OwnerLen != 0, "owner")
	add(s.Data != "" || s.DataLen != 0, "data")
	add(s.Token != nil, "token")
	add(s.Background, "background")
	add(s.Within != nil, "within")
	add(s.For != nil, "for")
	add(s.By != nil, "by")
	add(s.Node != nil, "node")
	add(s.Count != 0, "count")
	add(s.GT != "", "gt")
	return f
}

// Caps returns every capability a target needs to run the case: those its steps imply
// and those it lists, sorted and without duplicates.
func (c *Case) Caps() []string {
	caps := slices.Clone(c.Requires)
	for _, s := range c.Steps {
		caps = append(caps, ops[s.Do].caps...)
		if s.ResourceHex != "" {
			caps = append(caps, protocol.CapBinaryNames)
		}
		if s.Token != nil {
			caps = append(caps, protocol.CapWire)
		}
	}
	slices.Sort(caps)
	return slices.Compact(caps)
}

// Validate checks the case against the rules the types cannot express.
func (c *Case) Validate() error {
	if !nameRE.MatchString(c.Name) {
		return fmt.Errorf("case name %q: use lowercase words joined by hyphens", c.Name)
	}
	if strings.TrimSpace(c.Proves) == "" || strings.Contains(strings.TrimSpace(c.Proves), "\n") {
		return fmt.Errorf("case %s: proves must be one line saying what the case proves", c.Name)
	}
	for _, r := range c.Requires {
		if !slices.Contains(knownCaps, r) {
			return fmt.Errorf("case %s: unknown capability %q (known: %s)", c.Name, r, strings.Join(knownCaps, ", "))
		}
	}
	if len(c.Steps) == 0 {
		return fmt.Errorf("case %s: no steps", c.Name)
	}
	locks := map[string]string{} // lock name -> "held" or "pending"
	for i, s := range c.Steps {
		if err := c.validateStep(&s, locks); err != nil {
			return fmt.Errorf("case %s, step %d (%s): %w", c.Name, i+1, s.Do, err)
		}
	}
	return nil
}

func (c *Case) validateStep(s *Step, locks map[string]string) error {
	rule, ok := ops[s.Do]
	if !ok {
		return fmt.Errorf("unknown op %q (known: %s)", s.Do, strings.Join(Ops(), ", "))
	}
	set := s.set()
	for _, r := range rule.required {
		if !slices.Contains(set, r) {
			return fmt.Errorf("missing %s", r)
		}
	}
	for _, f := range set {
		if !slices.Contains(rule.required, f) && !slices.Contains(rule.optional, f) {
			return fmt.Errorf("%s does not apply to %s", f, s.Do)
		}
	}
	if err := s.validateForms(); err != nil {
		return err
	}
	if s.Expect != nil && !rule.expect {
		return errors.New("expect does not apply to this op")
	}
	if s.Do == "advance-redis-time" && c.RealRedis {
		return errors.New("advance-redis-time cannot run on real redis-server: drop real_redis or the step")
	}
	if s.Do == "contend" && s.Count < 2 {
		return errors.New("contend needs count >= 2")
	}
	if s.Do == "await-renewal" && s.Count < 1 {
		return errors.New("await-renewal needs count >= 1")
	}
	if s.Node != nil && (*s.Node < 0 || *s.Node > 2) {
		return fmt.Errorf("node %d: nodes are 0, 1 and 2", *s.Node)
	}
	if err := s.validateLocks(locks); err != nil {
		return err
	}
	return s.Expect.validate(s.Do, locks)
}

// validateForms rejects steps that give one value in two forms.
func (s *Step) validateForms() error {
	n := 0
	for _, set := range []bool{s.Resource != "", s.ResourceLen != nil, s.ResourceHex != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errors.New("give one of resource, resource_len and resource_hex")
	}
	if s.ResourceHex != "" {
		if _, err := hex.DecodeString(s.ResourceHex); err != nil {
			return fmt.Errorf("resource_hex: %w", err)
		}
	}
	if s.Owner != "" && s.OwnerLen != 0 || s.Data != "" && s.DataLen != 0 {
		return errors.New("give owner or owner_len, data or data_len, not both")
	}
	if s.ResourceLen != nil && *s.ResourceLen < 0 || s.OwnerLen < 0 || s.DataLen < 0 || s.Count < 0 {
		return errors.New("lengths and counts cannot be negative")
	}
	return nil
}

// validateLocks checks that locks are named once and defined before use.
func (s *Step) validateLocks(locks map[string]string) error {
	switch s.Do {
	case "acquire":
		if _, dup := locks[s.Lock]; dup {
			return fmt.Errorf("lock %s is already defined", s.Lock)
		}
		switch {
		case s.Background:
			locks[s.Lock] = "pending"
		case s.Expect == nil || s.Expect.Code == "" || s.Expect.Code == "ok":
			locks[s.Lock] = "held"
		default:
			locks[s.Lock] = "failed" // named, but nothing may refer to it
		}
	case "await", "expect-pending":
		if locks[s.Lock] != "pending" {
			return fmt.Errorf("lock %s is not a pending background acquire", s.Lock)
		}
		if s.Do == "await" {
			locks[s.Lock] = "held"
		}
	default:
		if s.Lock == "" {
			return nil
		}
		if locks[s.Lock] != "held" {
			return fmt.Errorf("lock %s is not acquired (and awaited) before this step", s.Lock)
		}
		if s.GT != "" && locks[s.GT] != "held" {
			return fmt.Errorf("lock %s is not acquired before this step", s.GT)
		}
	}
	return nil
}

func (e *Expect) validate(op string, locks map[string]string) error {
	if e == nil {
		return nil
	}
	if e.Code == "" {
		e.Code = "ok"
	}
	if !slices.Contains(codes, e.Code) {
		return fmt.Errorf("expect.code %q: use one of %s", e.Code, strings.Join(codes, ", "))
	}
	for _, l := range []string{e.FencingGT, e.FencingEQ} {
		if l != "" && locks[l] != "held" {
			return fmt.Errorf("expect refers to lock %s, which is not acquired before this step", l)
		}
	}
	if (e.FencingGT != "" || e.FencingEQ != "") && op != "acquire" && op != "await" && op != "info" && op != "extend" {
		return errors.New("fencing_gt/fencing_eq apply to acquire, await, extend and info")
	}
	if (e.Owner != nil || e.Times) && op != "info" {
		return errors.New("expect.owner and expect.times apply to info")
	}
	if (e.Data != nil || e.DataLen != nil) && op != "read" {
		return errors.New("expect.data and expect.data_len apply to read")
	}
	if e.Code != "ok" && (e.FencingGT != "" || e.FencingEQ != "" || e.Owner != nil || e.Times || e.Data != nil || e.DataLen != nil) {
		return errors.New("an expected error carries no result fields")
	}
	return nil
}

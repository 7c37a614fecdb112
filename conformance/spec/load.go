package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/distlock/distlock/conformance/protocol"
)

// KnownCaps are the capabilities a case may require.
var KnownCaps = []string{protocol.CapRenewal, protocol.CapBinaryNames, protocol.CapWire, protocol.CapPolicy,
	protocol.CapScope, protocol.CapService, protocol.CapProxy, protocol.CapNodes, protocol.CapTime, protocol.CapAuth,
	protocol.CapHold, protocol.CapWatch, protocol.CapNotify, protocol.CapSession}

var nameRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// file and rawCase are the YAML shape; steps stay nodes until their op is known.
type file struct {
	Cases []rawCase `yaml:"cases"`
}

type rawCase struct {
	Name      string      `yaml:"name"`
	Proves    string      `yaml:"proves"`
	RealRedis bool        `yaml:"real_redis"`
	Requires  []string    `yaml:"requires"`
	Steps     []yaml.Node `yaml:"steps"`
}

// Load reads every *.yaml file in dir, decodes it strictly (unknown keys are errors),
// checks each case and that names are unique. Cases come back sorted by file, then in
// file order.
func Load(dir string, ops Ops) ([]Case, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no *.yaml cases in %s", dir)
	}
	slices.Sort(paths)
	var all []Case
	seen := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		cases, err := Parse(b, ops)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		for _, c := range cases {
			if prev, dup := seen[c.Name]; dup {
				return nil, fmt.Errorf("%s: case %s is also defined in %s", p, c.Name, prev)
			}
			seen[c.Name] = p
			c.File = filepath.Base(p)
			all = append(all, c)
		}
	}
	return all, nil
}

// Parse decodes and checks the cases of one YAML document.
func Parse(b []byte, ops Ops) ([]Case, error) {
	var f file
	if err := decodeStrict(b, &f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty file")
		}
		return nil, err
	}
	if len(f.Cases) == 0 {
		return nil, errors.New("no cases")
	}
	out := make([]Case, len(f.Cases))
	for i, rc := range f.Cases {
		c, err := rc.build(ops)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func decodeStrict(b []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	return dec.Decode(v)
}

func (rc *rawCase) build(ops Ops) (Case, error) {
	c := Case{Name: rc.Name, Proves: rc.Proves, RealRedis: rc.RealRedis, Requires: rc.Requires}
	if !nameRE.MatchString(c.Name) {
		return c, fmt.Errorf("case name %q: use lowercase words joined by hyphens", c.Name)
	}
	if strings.TrimSpace(c.Proves) == "" || strings.Contains(strings.TrimSpace(c.Proves), "\n") {
		return c, fmt.Errorf("case %s: proves must be one line saying what the case proves", c.Name)
	}
	for _, r := range c.Requires {
		if !slices.Contains(KnownCaps, r) {
			return c, fmt.Errorf("case %s: unknown capability %q (known: %s)", c.Name, r, strings.Join(KnownCaps, ", "))
		}
	}
	if len(rc.Steps) == 0 {
		return c, fmt.Errorf("case %s: no steps", c.Name)
	}
	sc := &Scope{RealRedis: c.RealRedis, locks: map[string]LockState{}}
	for i := range rc.Steps {
		s, err := decodeStep(&rc.Steps[i], ops)
		if err == nil {
			err = s.Op.Check(sc)
		}
		if err != nil {
			return c, fmt.Errorf("case %s, step %d (%s, line %d): %w", c.Name, i+1, s.Do, rc.Steps[i].Line, err)
		}
		c.Steps = append(c.Steps, s)
	}
	return c, nil
}

// decodeStep finds the step's op by its "do" key and decodes the other keys into the
// op's type, refusing keys the op does not have.
func decodeStep(n *yaml.Node, ops Ops) (Step, error) {
	s := Step{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return s, errors.New("a step is a mapping")
	}
	rest := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "do" {
			s.Do = n.Content[i+1].Value
			continue
		}
		rest.Content = append(rest.Content, n.Content[i], n.Content[i+1])
	}
	mk, ok := ops[s.Do]
	if !ok {
		return s, fmt.Errorf("unknown op %q (known: %s)", s.Do, strings.Join(ops.Names(), ", "))
	}
	s.Op = mk()
	fields := yamlFields(reflect.TypeOf(s.Op).Elem())
	for i := 0; i < len(rest.Content); i += 2 {
		if k := rest.Content[i].Value; !slices.Contains(fields, k) {
			return s, fmt.Errorf("%s does not apply to %s (it takes %s)", k, s.Do, strings.Join(fields, ", "))
		}
	}
	b, err := yaml.Marshal(rest)
	if err == nil {
		err = decodeStrict(b, s.Op) // strict below the top level too (expect's keys)
	}
	return s, err
}

// yamlFields lists the YAML keys of a struct type, through inline fields.
func yamlFields(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case opts == "inline":
			out = append(out, yamlFields(f.Type)...)
		case name != "" && name != "-":
			out = append(out, name)
		}
	}
	return out
}

package runner

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Target is one implementation under test, as listed in conformance/targets.yaml.
type Target struct {
	// Name names the target in the matrix and its known-failing file.
	Name string `yaml:"name"`
	// Via is "redis" for a target that talks to the Redis nodes itself (the Go core) or
	// "service" for one that talks to `distlock serve`.
	Via string `yaml:"via"`
	// Build, if set, is run once from the repository root before the adapter starts.
	Build []string `yaml:"build"`
	// Run starts the adapter, from the repository root. In Build and Run, {root} is the
	// repository root and {bin} a directory for built programs.
	Run []string `yaml:"run"`
	// Needs lists files (relative to the root) that must exist for the target to run,
	// such as an SDK's installed environment; their absence is an error, with a hint.
	Needs []string `yaml:"needs"`
	// Hint says how to provide what Needs lists.
	Hint string `yaml:"hint"`
}

// KnownFailure is a case a target is known to fail, and why.
type KnownFailure struct {
	Case   string `yaml:"case"`
	Reason string `yaml:"reason"`
	// Flaky marks a failure that shows only on some runs (a race in the target): a pass
	// is then not reported as XPASS. Use it only when the reason explains the race.
	Flaky bool `yaml:"flaky"`
}

// LoadTargets reads the target list.
func LoadTargets(path string) ([]Target, error) {
	var f struct {
		Targets []Target `yaml:"targets"`
	}
	if err := decodeStrict(path, &f); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, t := range f.Targets {
		switch {
		case t.Name == "" || len(t.Run) == 0:
			return nil, fmt.Errorf("%s: every target needs a name and a run command", path)
		case t.Via != "redis" && t.Via != "service":
			return nil, fmt.Errorf("%s: target %s: via must be redis or service", path, t.Name)
		case seen[t.Name]:
			return nil, fmt.Errorf("%s: target %s is listed twice", path, t.Name)
		}
		seen[t.Name] = true
	}
	return f.Targets, nil
}

// LoadKnownFailing reads dir/<target>.yaml, a list of cases the target is known to fail,
// by case name. A missing file is an empty list. Every entry must give a reason.
func LoadKnownFailing(dir, target string) (map[string]KnownFailure, error) {
	path := filepath.Join(dir, target+".yaml")
	var list []KnownFailure
	if err := decodeStrict(path, &list); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return map[string]KnownFailure{}, nil
		}
		return nil, err
	}
	out := map[string]KnownFailure{}
	for _, k := range list {
		if k.Case == "" || strings.TrimSpace(k.Reason) == "" {
			return nil, fmt.Errorf("%s: every entry needs a case and a reason", path)
		}
		out[k.Case] = k
	}
	return out, nil
}

func decodeStrict(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// expand replaces {root} and {bin} in argv.
func expand(argv []string, root, bin string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = strings.NewReplacer("{root}", root, "{bin}", bin).Replace(a)
	}
	return out
}

package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"go.yaml.in/yaml/v3"
)

// Load reads every *.yaml file in dir, decodes it strictly (unknown keys are errors),
// validates each case and checks that names are unique. Cases come back sorted by file,
// then in file order.
func Load(dir string) ([]Case, error) {
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
		cases, err := Parse(b)
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

// Parse decodes and validates the cases of one YAML document.
func Parse(b []byte) ([]Case, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty file")
		}
		return nil, err
	}
	if len(f.Cases) == 0 {
		return nil, errors.New("no cases")
	}
	for i := range f.Cases {
		if err := f.Cases[i].Validate(); err != nil {
			return nil, err
		}
	}
	return f.Cases, nil
}

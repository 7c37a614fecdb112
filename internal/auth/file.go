package auth

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// authFile is the YAML schema of the auth file; see the package doc.
type authFile struct {
	Tokens    []tokenFile   `yaml:"tokens"`
	Rules     []ruleFile    `yaml:"rules"`
	Endpoints endpointsFile `yaml:"endpoints"`
	Quotas    quotasFile    `yaml:"quotas"`
	JWT       *jwtFile      `yaml:"jwt"`
	MTLS      *mtlsFile     `yaml:"mtls"`
}

type tokenFile struct {
	Principal string   `yaml:"principal"`
	Groups    []string `yaml:"groups,omitempty,flow"`
	SHA256    string   `yaml:"sha256"`
}

type ruleFile struct {
	Principals []string `yaml:"principals"`
	Groups     []string `yaml:"groups"`
	Verbs      []string `yaml:"verbs"`
	Resources  []string `yaml:"resources"`
}

type endpointsFile struct {
	Reflection Access `yaml:"reflection"`
	Metrics    Access `yaml:"metrics"`
}

// maxNameBytes bounds principal and group names, which end up in owner labels and logs.
const maxNameBytes = 128

// maxFileBytes bounds the auth file: a policy is a few kilobytes.
const maxFileBytes = 4 << 20

// LoadFile reads and compiles the auth file at path.
func LoadFile(path string) (*Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth file: %w", err)
	}
	p, err := parse(b, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("auth file %s: %w", path, err)
	}
	return p, nil
}

// quoted matches what YAML errors quote of the file's values: a misplaced secret must
// not reach the log through an error message.
var quoted = regexp.MustCompile("`[^`]*`|field .* not found")

// Parse compiles an auth file's content, with relative paths (jwks_file) taken from the
// working directory. Its errors name the entry at fault, never a value: a token pasted
// where its hash belongs must not be logged.
func Parse(b []byte) (*Policy, error) { return parse(b, "") }

// parse is Parse with relative paths taken from dir, the auth file's directory.
func parse(b []byte, dir string) (*Policy, error) {
	if len(b) > maxFileBytes {
		return nil, fmt.Errorf("%d bytes, the limit is %d", len(b), maxFileBytes)
	}
	var f authFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, errors.New(quoted.ReplaceAllStringFunc(err.Error(), func(m string) string {
			if strings.HasPrefix(m, "field ") {
				return "an unknown field (name hidden)"
			}
			return "(a value, hidden)"
		}))
	}
	if f.JWT != nil && f.JWT.JWKSFile != "" && !filepath.IsAbs(f.JWT.JWKSFile) {
		f.JWT.JWKSFile = filepath.Join(dir, f.JWT.JWKSFile)
	}
	return compile(f)
}

func compile(f authFile) (*Policy, error) {
	p := &Policy{groups: map[string]bool{}, endpoints: f.Endpoints.withDefaults()}
	if err := p.endpoints.check(); err != nil {
		return nil, err
	}
	var err error
	if p.defaultQuota, p.quotas, err = compileQuotas(f.Quotas); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, t := range f.Tokens {
		if err := checkName(fmt.Sprintf("tokens[%d].principal", i), t.Principal); err != nil {
			return nil, err
		}
		digest, err := hex.DecodeString(t.SHA256)
		if err != nil || len(digest) != 32 {
			return nil, fmt.Errorf("tokens[%d] (%s): sha256 is not 64 hex digits; make entries with `distlock auth new-token`", i, t.Principal)
		}
		if seen[t.SHA256] {
			return nil, fmt.Errorf("tokens[%d] (%s): the same token hash appears twice", i, t.Principal)
		}
		seen[t.SHA256] = true
		for j, g := range t.Groups {
			if err := checkName(fmt.Sprintf("tokens[%d].groups[%d]", i, j), g); err != nil {
				return nil, err
			}
			p.groups[g] = true
		}
		st := staticToken{id: &Identity{Principal: t.Principal, Groups: t.Groups, Method: "token"}}
		copy(st.digest[:], digest)
		p.tokens = append(p.tokens, st)
	}
	if f.JWT != nil {
		if p.jwt, err = compileJWT(context.Background(), f.JWT); err != nil {
			return nil, err
		}
		p.jwksURL = f.JWT.JWKSURL
		p.jwksFile = f.JWT.JWKSFile
	}
	if p.mtls, err = compileMTLS(f.MTLS); err != nil {
		return nil, err
	}
	for i, r := range f.Rules {
		if err := checkRule(i, r); err != nil {
			return nil, err
		}
		for _, g := range r.Groups {
			p.groups[g] = true
		}
		p.rules = append(p.rules, rule{principals: r.Principals, groups: r.Groups, verbs: r.Verbs, patterns: r.Resources})
	}
	return p, nil
}

func checkName(field, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%s is empty", field)
	case len(name) > maxNameBytes:
		return fmt.Errorf("%s is %d bytes, the limit is %d", field, len(name), maxNameBytes)
	case !utf8.ValidString(name):
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%s holds a control character", field)
		}
	}
	return nil
}

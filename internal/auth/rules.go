package auth

import (
	"fmt"
	"slices"
	"strings"
)

// Verbs a rule may grant.
const (
	VerbAcquire = "acquire" // Acquire, Extend, Release
	VerbRead    = "read"    // Info, Read
	VerbAdmin   = "admin"   // operator calls
)

var verbs = []string{VerbAcquire, VerbRead, VerbAdmin}

// rule grants its verbs on its resource patterns to its principals and groups.
type rule struct {
	principals, groups []string
	verbs              []string
	patterns           []string
}

// matches reports whether pattern covers resource, on exact bytes: "*" covers every
// name, a pattern ending in "/" every name that starts with it, any other only itself.
func matches(pattern, resource string) bool {
	switch {
	case pattern == "*":
		return true
	case strings.HasSuffix(pattern, "/"):
		return strings.HasPrefix(resource, pattern)
	}
	return pattern == resource
}

func (r *rule) covers(id *Identity, verb, resource string) bool {
	if !slices.Contains(r.verbs, verb) {
		return false
	}
	who := slices.Contains(r.principals, id.Principal)
	for _, g := range id.Groups {
		who = who || slices.Contains(r.groups, g)
	}
	if !who {
		return false
	}
	for _, p := range r.patterns {
		if matches(p, resource) {
			return true
		}
	}
	return false
}

// allowed reports whether any rule grants verb on resource to id.
func allowed(rules []rule, id *Identity, verb, resource string) bool {
	for i := range rules {
		if rules[i].covers(id, verb, resource) {
			return true
		}
	}
	return false
}

func checkRule(i int, r ruleFile) error {
	switch {
	case len(r.Principals) == 0 && len(r.Groups) == 0:
		return fmt.Errorf("rules[%d] names no principals and no groups", i)
	case len(r.Verbs) == 0:
		return fmt.Errorf("rules[%d] grants no verbs", i)
	case len(r.Resources) == 0:
		return fmt.Errorf("rules[%d] names no resources (\"*\" for all)", i)
	}
	for _, v := range r.Verbs {
		if !slices.Contains(verbs, v) {
			return fmt.Errorf("rules[%d]: an unknown verb (want %s)", i, strings.Join(verbs, ", "))
		}
	}
	for _, p := range r.Resources {
		if p == "" {
			return fmt.Errorf("rules[%d]: an empty resource pattern", i)
		}
		if strings.Contains(p, "*") && p != "*" {
			return fmt.Errorf("rules[%d]: resource pattern %q: only \"*\" alone is a wildcard; end a prefix with /", i, p)
		}
	}
	return nil
}

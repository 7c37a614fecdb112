package spec

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Resource is a resource name in one of three forms; steps embed it.
type Resource struct {
	// Resource is the name as UTF-8 text.
	Resource string `yaml:"resource"`
	// ResourceLen makes a name of that many bytes ("r" repeated); 0 gives the empty name.
	ResourceLen *int `yaml:"resource_len"`
	// ResourceHex gives the name as hex bytes (for names that are not UTF-8).
	ResourceHex string `yaml:"resource_hex"`
}

// Check requires exactly one form, well formed.
func (r *Resource) Check() error {
	n := 0
	for _, set := range []bool{r.Resource != "", r.ResourceLen != nil, r.ResourceHex != ""} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return errors.New("missing resource")
	case n > 1:
		return errors.New("give one of resource, resource_len and resource_hex")
	case r.ResourceLen != nil && *r.ResourceLen < 0:
		return errors.New("lengths and counts cannot be negative")
	}
	if _, err := hex.DecodeString(r.ResourceHex); err != nil {
		return fmt.Errorf("resource_hex: %w", err)
	}
	return nil
}

// Binary reports whether the name is given as bytes, which only targets with the
// binary-names capability can express.
func (r *Resource) Binary() bool { return r.ResourceHex != "" }

// Text returns the name as text (for the hex form, see [Resource.Raw]).
func (r *Resource) Text() string {
	if r.ResourceLen != nil {
		return strings.Repeat("r", *r.ResourceLen)
	}
	return r.Resource
}

// Raw returns the hex form's bytes, nil for the others.
func (r *Resource) Raw() []byte {
	b, _ := hex.DecodeString(r.ResourceHex) // checked by Check
	return b
}

package main

import (
	"os"
	"strings"
	"testing"

	"github.com/distlock/distlock/conformance/runner"
	"github.com/distlock/distlock/conformance/spec"
)

// TestReadmeCatalogue keeps the case catalogue in conformance/README.md equal to what
// -list prints, so the README cannot describe cases that changed or are gone.
func TestReadmeCatalogue(t *testing.T) {
	cases, err := spec.Load("../../cases", runner.Ops)
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	writeCatalogue(&want, cases)
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "<!-- catalogue:start -->")
	section, _, ok2 := strings.Cut(section, "<!-- catalogue:end -->")
	if !ok || !ok2 {
		t.Fatal("README.md has no catalogue markers")
	}
	if !strings.Contains(section, want.String()) {
		t.Errorf("README.md's case catalogue is stale: paste the output of\n\tgo run ./conformance/cmd/conformance -list\nbetween its catalogue markers")
	}
}

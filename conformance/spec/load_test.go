package spec_test

import (
	"testing"

	"github.com/distlock/distlock/conformance/runner"
	"github.com/distlock/distlock/conformance/spec"
)

func TestLoadCases(t *testing.T) {
	cases, err := spec.Load("../cases", runner.Ops)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 40 {
		t.Errorf("%d cases, want at least 40", len(cases))
	}
}

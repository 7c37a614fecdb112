package distlockotel_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestSDKDoesNotCompileOTelIn holds this package's reason to exist: a program that
// imports package distlock (and not this one) builds no OpenTelemetry code.
func TestSDKDoesNotCompileOTelIn(t *testing.T) {
	// go test runs with the go command on PATH; without it this check cannot be made.
	out, err := exec.Command("go", "list", "-deps", "github.com/distlock/distlock/sdks/go/distlock").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	n := 0
	for dep := range strings.Lines(string(out)) {
		n++
		if strings.HasPrefix(dep, "go.opentelemetry.io/") || strings.HasPrefix(dep, "connectrpc.com/otelconnect") {
			t.Errorf("package distlock depends on %s", strings.TrimSpace(dep))
		}
	}
	if n < 10 {
		t.Fatalf("go list found %d dependencies, expected the whole graph", n)
	}
}

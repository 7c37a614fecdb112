package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemdUnitVerifies runs `systemd-analyze verify` on the unit, where systemd is
// installed. The binary it starts is not installed here, and verify checks that it is
// executable, so the copy verified starts /bin/true instead; nothing else is changed.
func TestSystemdUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("systemd-analyze is missing; CI installs Debian's systemd package")
		}
		t.Skip("systemd-analyze is not installed (systemd package): the unit cannot be verified here")
	}
	unit := readFile(t, "distlock.service")
	const bin = "/usr/local/bin/distlock"
	if !strings.Contains(unit, "ExecStart="+bin+" serve") {
		t.Fatalf("the unit does not start %s serve", bin)
	}
	path := filepath.Join(t.TempDir(), "distlock.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, "ExecStart="+bin, "ExecStart=/bin/true")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	// verify exits 0 on unknown keys and bad values, but says so: any output fails.
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

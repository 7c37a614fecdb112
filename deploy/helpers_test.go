// Package deploy_test checks the files of deploy/: the container recipe, the systemd
// unit, the compose file and its Redis ACL, and the Grafana dashboard against what
// `distlock serve` really exports.
package deploy_test

import (
	"os"
	"testing"
)

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

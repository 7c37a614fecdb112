package runner

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/distlock/distlock/conformance/spec"
)

// TestPlanUnits checks how cases are dealt into units: by kind of environment (only
// real_redis cases on redis-server), round robin into shards, the biggest units first,
// and no unit for a target whose known-failing list names a case that does not exist.
func TestPlanUnits(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("- case: gone\n  reason: r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []spec.Case{{Name: "a", RealRedis: true}, {Name: "b"}, {Name: "c"}, {Name: "d", RealRedis: true}, {Name: "e"}}
	o := Options{Cases: cases, KnownFailingDir: dir, RealRedis: true, Shards: 2}
	units, errs := planUnits(o, []Target{{Name: "good", Via: "service"}, {Name: "bad", Via: "service"}}, cases)
	if len(errs) != 1 {
		t.Errorf("errors %q, want one for target bad", errs)
	}
	type got struct {
		name  string
		cases []string
	}
	var gotUnits []got
	for _, u := range units {
		var names []string
		for _, c := range u.cases {
			names = append(names, c.Name)
		}
		gotUnits = append(gotUnits, got{u.name(), names})
	}
	want := []got{
		{"good/miniredis/0", []string{"a", "c", "e"}},
		{"good/miniredis/1", []string{"b", "d"}},
		{"good/redis-server/0", []string{"a"}},
		{"good/redis-server/1", []string{"d"}},
	}
	if !slices.EqualFunc(gotUnits, want, func(a, b got) bool { return a.name == b.name && slices.Equal(a.cases, b.cases) }) {
		t.Errorf("units %v, want %v", gotUnits, want)
	}
}

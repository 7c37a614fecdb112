package server

import (
	"runtime/debug"
	"testing"
)

func TestApplyGOGCDefault(t *testing.T) {
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prev) })

	applyGOGCDefault(func(string) (string, bool) { return "", false })
	if got := debug.SetGCPercent(100); got != DefaultGOGC {
		t.Fatalf("without GOGC in the environment: GC percent %d, want %d", got, DefaultGOGC)
	}
	applyGOGCDefault(func(name string) (string, bool) { return "50", name == "GOGC" })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("with GOGC set: GC percent changed to %d; the runtime's reading of GOGC must stand", got)
	}
}

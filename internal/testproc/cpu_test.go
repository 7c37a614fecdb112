package testproc

import (
	"os"
	"testing"
	"time"
)

func TestParseProcStat(t *testing.T) {
	// utime 250 and stime 50 ticks: 3s. The name holds a space and a parenthesis.
	line := "4242 (dist lock) d) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 9 0 100 0 0"
	got, err := parseProcStat(line)
	if err != nil || got != 3*time.Second {
		t.Fatalf("parseProcStat = %v, %v; want 3s", got, err)
	}
	if _, err := parseProcStat("4242 (x) S 1 2"); err == nil {
		t.Fatal("a truncated line parsed")
	}
	if _, err := CPUTime(os.Getpid()); err != nil {
		t.Fatalf("this process: %v", err)
	}
}

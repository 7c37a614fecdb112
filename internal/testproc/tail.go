package testproc

import (
	"bytes"
	"sync"
)

// tailLines is how many of a process's last lines errors quote: enough for the reason
// a server gives when it exits, few enough to read.
const tailLines = 20

// tail keeps the last lines of a process's output.
type tail struct {
	mu    sync.Mutex
	lines [][]byte
}

func (t *tail) add(line []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == tailLines {
		t.lines = t.lines[1:]
	}
	t.lines = append(t.lines, bytes.Clone(line))
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.Join(t.lines, []byte("\n")))
}

package testproc

import "testing"

func TestTailKeepsTheLastLines(t *testing.T) {
	var b tail
	for i := range tailLines + 5 {
		b.add([]byte{byte('a' + i)})
	}
	if got, want := b.String()[:1], string(rune('a'+5)); got != want {
		t.Fatalf("first kept line %q, want %q", got, want)
	}
	if n := len(b.lines); n != tailLines {
		t.Fatalf("%d lines kept, want %d", n, tailLines)
	}
}

package locktest

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestWatchedCtxSignalsFirstDone(t *testing.T) {
	ctx := watch(context.Background())
	select {
	case <-ctx.asked:
		t.Fatal("asked before anyone asked for Done")
	default:
	}
	derived, cancel := context.WithCancel(ctx) // deriving asks the parent for Done
	defer cancel()
	<-ctx.asked
	cancel()
	<-derived.Done()
	ctx.Done() // asking again must not close asked twice
}

func TestQuoteShortensLongNames(t *testing.T) {
	if got := quote("a:b"); got != `"a:b"` {
		t.Errorf("quote(a:b) = %s", got)
	}
	long := quote(strings.Repeat("x", 1024))
	if len(long) > 80 || !strings.Contains(long, "1024 bytes") {
		t.Errorf("quote of a 1 KiB name = %s", long)
	}
}

package porthold

import (
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"syscall"
	"testing"
)

// TestHoldAgainWhileChildrenStart: a port held, released and held again, over and over,
// while other goroutines start processes. Without Rebind's retry some Holds fail with
// "address already in use" (a child between fork and exec still has the old listener).
func TestHoldAgainWhileChildrenStart(t *testing.T) {
	bin, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no `true` to start")
	}
	addr, err := Pick()
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					_ = exec.Command(bin).Run()
				}
			}
		}()
	}
	defer wg.Wait()
	defer close(stop)

	h, err := Hold(addr)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		h.Release()
		if h, err = Hold(addr); err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
	}
	h.Release()
}

func TestRebindRetriesOnlyAddressInUse(t *testing.T) {
	calls := 0
	err := Rebind(func() error {
		calls++
		if calls < 3 {
			return fmt.Errorf("listen: %w", syscall.EADDRINUSE)
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("in use twice, then free: err %v after %d calls, want nil after 3", err, calls)
	}

	other := errors.New("permission denied")
	calls = 0
	if err := Rebind(func() error { calls++; return other }); err != other || calls != 1 {
		t.Fatalf("another error: got %v after %d calls, want it at once", err, calls)
	}
}

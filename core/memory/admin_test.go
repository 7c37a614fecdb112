package memory_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/memory"
)

func TestListPagesThroughThePrefixOnly(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	defer st.Close()
	lo := driver.LeaseOptions{TTL: core.MinTTL, Owner: "o"}
	for i := range 5 {
		if _, err := st.Acquire(ctx, fmt.Sprintf("jobs/%d", i), lo); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Acquire(ctx, "other", lo); err != nil {
		t.Fatal(err)
	}
	var got []string
	token := ""
	for pages := 0; ; pages++ {
		page, err := st.List(ctx, "jobs/", 2, token)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Locks) > 2 {
			t.Fatalf("page of %d locks, asked for 2", len(page.Locks))
		}
		for _, l := range page.Locks {
			if l.Owner != "o" || l.FencingToken == 0 || l.ExpireTime.IsZero() {
				t.Errorf("listed %+v", l)
			}
			got = append(got, l.Resource)
		}
		if token = page.Next; token == "" {
			break
		}
	}
	want := []string{"jobs/0", "jobs/1", "jobs/2", "jobs/3", "jobs/4"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("listed %v, want %v", got, want)
	}
}

func TestListCountsWaiters(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := memory.New()
	defer st.Close()
	if _, err := st.Acquire(ctx, "r", driver.LeaseOptions{TTL: core.MaxTTL}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		_, err := st.Acquire(ctx, "r", driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
		done <- err
	}()
	for {
		page, err := st.List(ctx, "", 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Locks) == 1 && page.Locks[0].Waiters == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	page, err := st.List(context.Background(), "", 0, "")
	if err != nil || len(page.Locks) != 1 || page.Locks[0].Waiters != 0 {
		t.Errorf("after the waiter left: %+v, %v", page, err)
	}
}

func TestListRefusesAnotherPrefixsToken(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	defer st.Close()
	for _, r := range []string{"a/1", "a/2"} {
		if _, err := st.Acquire(ctx, r, driver.LeaseOptions{TTL: core.MinTTL}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := st.List(ctx, "a/", 1, "")
	if err != nil || page.Next == "" {
		t.Fatalf("first page %+v, %v", page, err)
	}
	for _, token := range []string{page.Next + "x", "garbage!"} {
		if _, err := st.List(ctx, "b/", 1, token); !errors.Is(err, driver.ErrInvalidArgument) {
			t.Errorf("token %q: %v, want invalid argument", token, err)
		}
	}
}

func TestForceReleaseBreaksAndAdvancesTheFence(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	defer st.Close()
	lo := driver.LeaseOptions{TTL: core.MinTTL, Owner: "stuck"}
	old, err := st.Acquire(ctx, "r", lo)
	if err != nil {
		t.Fatal(err)
	}
	broken, err := st.ForceRelease(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	if broken.Owner != "stuck" || broken.FencingToken != old.Fence || broken.Advanced <= old.Fence {
		t.Errorf("broken %+v, old fence %d", broken, old.Fence)
	}
	if _, err := st.Extend(ctx, old, core.MinTTL); !errors.Is(err, driver.ErrNotHeld) {
		t.Errorf("old holder's Extend: %v, want not held", err)
	}
	next, err := st.Acquire(ctx, "r", lo)
	if err != nil {
		t.Fatal(err)
	}
	if next.Fence <= old.Fence+1 || next.Fence <= broken.Advanced {
		t.Errorf("next fence %d, broken %d, advanced %d", next.Fence, old.Fence, broken.Advanced)
	}
	if _, err := st.ForceRelease(ctx, "free"); !errors.Is(err, driver.ErrNotHeld) {
		t.Errorf("free resource: %v, want not held", err)
	}
}

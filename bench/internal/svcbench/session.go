package svcbench

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/distlock/distlock/bench/internal/redisnodes"
	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// SessionLocks is how many locks the session cell holds.
const SessionLocks = 10000

// pathCounter counts HTTP requests by RPC name.
type pathCounter struct {
	next *http.Transport
	mu   sync.Mutex
	n    map[string]int
}

func (c *pathCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	name := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	c.mu.Lock()
	c.n[name]++
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

func (c *pathCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = map[string]int{}
	return n
}

// runSession holds locks locks in one core.Session through the Go SDK (TTL 5 s, so
// renewal every 1.67 s) and measures renewal: the HTTP requests the SDK sent and the
// commands the Redis nodes ran per round (INFO commandstats). Redis work stays
// one script per lock and node: each lock is its own key with its own expiry, so that
// Redis frees an abandoned lock by itself and Watch sees each expiry.
func runSession(ctx context.Context, base string, nodes *redisnodes.Nodes, locks int) (string, error) {
	counter := &pathCounter{next: http.DefaultTransport.(*http.Transport).Clone(), n: map[string]int{}}
	defer counter.next.CloseIdleConnections()
	l, err := distlock.New(base, distlock.WithHTTPClient(&http.Client{Transport: counter}))
	if err != nil {
		return "", err
	}
	c := core.OpenClient(base, l)
	defer c.Close()
	s, err := c.NewSession(base, core.TTL(core.MinTTL))
	if err != nil {
		return "", err
	}
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	held := make([]core.Lock, locks)
	for range 64 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < locks; i = int(next.Add(1) - 1) {
				l, err := s.TryLock(ctx, fmt.Sprintf("bench/session/%05d", i))
				if err != nil {
					errs <- err
					return
				}
				held[i] = l
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return "", fmt.Errorf("session cell: %w", err)
	}
	took := time.Since(start)
	// A round that overlapped the acquires may still be retrying: let it end. Then
	// count over several renewal periods, so that where a round's work falls relative
	// to the window's edges matters little, and divide by the periods.
	renewEvery := distlockv1policy.RenewEvery(core.MinTTL)
	time.Sleep(renewEvery)
	counter.take()
	before, err := commandCalls(ctx, nodes)
	if err != nil {
		return "", err
	}
	periods := 6
	if locks < SessionLocks {
		periods = 1 // the tests' quick run
	}
	select {
	case <-time.After(time.Duration(periods) * renewEvery):
	case <-s.Done():
		return "", fmt.Errorf("session cell: session lost: %w", s.Err())
	case <-ctx.Done():
		return "", ctx.Err()
	}
	reqs := counter.take()
	after, err := commandCalls(ctx, nodes)
	if err != nil {
		return "", err
	}
	// A session that loses some of its locks goes on with the others: count them.
	lost := 0
	var lostWhy error
	for _, l := range held {
		select {
		case <-l.Lost:
			lost, lostWhy = lost+1, l.Err()
		default:
		}
	}
	if err := s.Close(ctx); err != nil {
		return "", err
	}
	// Per period: a round's retries (leases whose Extend failed transiently) count in.
	rounds := periods
	var cmds []string
	total := 0
	for name, n := range after {
		if d := n - before[name]; d > 0 {
			cmds = append(cmds, fmt.Sprintf("%s %d", name, d/rounds))
			total += d
		}
	}
	slices.Sort(cmds)
	var b strings.Builder
	fmt.Fprintf(&b, "\n#### One session holding %d locks (TTL 5s, renewal every %v)\n\n", locks, renewEvery.Round(time.Millisecond))
	fmt.Fprintf(&b, "Taking them from 64 goroutines took %v. Locks lost: %d%s. Over %d renewal periods: HTTP requests %v; "+
		"Redis commands per period on %d nodes: %d (%s), %.2f per lock per node. "+
		"Redis stays O(locks): each lock is its own key with its own expiry, so that Redis frees an abandoned lock itself and Watch sees each expiry.\n",
		took.Round(time.Millisecond), lost, lostNote(lostWhy), periods, reqs, nodes.Len(), total/rounds, strings.Join(cmds, ", "), float64(total)/float64(rounds*locks*nodes.Len()))
	return b.String(), nil
}

// commandCalls sums INFO commandstats calls per command over the nodes.
func commandCalls(ctx context.Context, nodes *redisnodes.Nodes) (map[string]int, error) {
	out := map[string]int{}
	for i := range nodes.Len() {
		info, err := nodes.Admin(i).Info(ctx, "commandstats").Result()
		if err != nil {
			return nil, fmt.Errorf("INFO commandstats: %w", err)
		}
		for line := range strings.SplitSeq(info, "\n") {
			name, rest, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
			if !ok {
				continue
			}
			calls, _, _ := strings.Cut(rest, ",")
			n, err := strconv.Atoi(calls)
			if err != nil {
				continue
			}
			out[strings.TrimPrefix(name, "cmdstat_")] += n
		}
	}
	return out, nil
}

func lostNote(why error) string {
	if why == nil {
		return ""
	}
	return " (the last: " + why.Error() + ")"
}

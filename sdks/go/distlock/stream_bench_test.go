package distlock_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/memory"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// clocked is the service's lessor with timestamps: when each release finished, and
// when renewal learnt that a lease is gone (it fails every Extend once failing is set).
type clocked struct {
	driver.Lessor
	released chan time.Time

	mu      sync.Mutex
	failing bool
	knew    map[string]time.Time // by lease token
}

func (c *clocked) Release(ctx context.Context, lease driver.Lease) error {
	err := c.Lessor.Release(ctx, lease)
	c.released <- time.Now()
	return err
}

func (c *clocked) Extend(ctx context.Context, lease driver.Lease, ttl time.Duration) (driver.Lease, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failing {
		if _, ok := c.knew[lease.Token]; !ok {
			c.knew[lease.Token] = time.Now()
		}
		return driver.Lease{}, driver.ErrNotHeld
	}
	return c.Lessor.Extend(ctx, lease, ttl)
}

// streamBench serves a clocked memory lessor over loopback HTTP (HTTP/1.1 and h2c, as
// `distlock serve` does) and returns it with the service's URL.
func streamBench(b *testing.B) (*clocked, string) {
	store := memory.New()
	b.Cleanup(func() { store.Close() })
	c := &clocked{Lessor: store, released: make(chan time.Time, 1024), knew: map[string]time.Time{}}
	srv := httptest.NewUnstartedServer(connectsvc.New(c).Handler())
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	b.Cleanup(srv.Close)
	return c, srv.URL
}

// reportPercentiles reports the p50 and p99 of samples in milliseconds.
func reportPercentiles(b *testing.B, samples []time.Duration) {
	if len(samples) == 0 {
		return
	}
	slices.Sort(samples)
	at := func(q float64) float64 {
		return float64(samples[int(q*float64(len(samples)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(float64(len(samples)), "samples")
}

// dialer remembers the connections it made, so that a benchmark can cut them as the
// death of the client process would.
type dialer struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err == nil {
		d.mu.Lock()
		d.conns = append(d.conns, conn)
		d.mu.Unlock()
	}
	return conn, err
}

func (d *dialer) cut() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.conns {
		c.Close()
	}
	d.conns = nil
}

// BenchmarkHoldReleaseAfterDisconnect measures, on loopback, the time from a client
// ending its Hold stream to the service's release of the lock: "release" is
// Held.Release (the stream cancelled), "conn-closed" the client's TCP connection closed
// under the stream, as when its process dies.
func BenchmarkHoldReleaseAfterDisconnect(b *testing.B) {
	for _, how := range []string{"release", "conn-closed"} {
		b.Run(how, func(b *testing.B) {
			c, url := streamBench(b)
			var samples []time.Duration
			for b.Loop() {
				d := &dialer{}
				tr := &http.Transport{DialContext: d.DialContext}
				l, err := distlock.New(url, distlock.WithHTTPClient(&http.Client{Transport: tr}))
				if err != nil {
					b.Fatal(err)
				}
				h, err := l.Hold(b.Context(), "r", driver.LeaseOptions{TTL: driver.MinTTL})
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if how == "release" {
					h.Release(b.Context())
				} else {
					d.cut()
				}
				samples = append(samples, (<-c.released).Sub(start))
				h.Release(b.Context())
				l.Close()
				tr.CloseIdleConnections()
			}
			reportPercentiles(b, samples)
		})
	}
}

// holdsPerRound is how many locks each round of BenchmarkHoldLossPushed loses at once.
const holdsPerRound = 100

// BenchmarkHoldLossPushed measures, on loopback, the time from the service learning that
// a held lease is gone (its renewal's Extend says not held) to the client's Held.Lost
// closing. Each round holds holdsPerRound locks and loses them all at their first
// renewal (TTL/3 of the shortest TTL, about 1.7 s): run it with -benchtime=Nx.
func BenchmarkHoldLossPushed(b *testing.B) {
	c, url := streamBench(b)
	l, err := distlock.New(url)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	var samples []time.Duration
	for b.Loop() {
		c.mu.Lock()
		c.failing, c.knew = false, map[string]time.Time{}
		c.mu.Unlock()
		held := make([]*distlock.Held, holdsPerRound)
		for i := range held {
			h, err := l.Hold(b.Context(), "r"+string(rune('a'+i%26))+string(rune('a'+i/26)), driver.LeaseOptions{TTL: driver.MinTTL})
			if err != nil {
				b.Fatal(err)
			}
			held[i] = h
		}
		c.mu.Lock()
		c.failing = true
		c.mu.Unlock()
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, h := range held {
			wg.Go(func() {
				<-h.Lost
				lost := time.Now()
				c.mu.Lock()
				knew := c.knew[h.LeaseToken]
				c.mu.Unlock()
				mu.Lock()
				samples = append(samples, lost.Sub(knew))
				mu.Unlock()
			})
		}
		wg.Wait()
		for _, h := range held {
			h.Release(b.Context())
		}
		for len(c.released) > 0 {
			<-c.released
		}
	}
	reportPercentiles(b, samples)
}

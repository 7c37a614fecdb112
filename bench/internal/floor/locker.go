package floor

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/distlock/distlock/bench/internal/contenders"
)

// Locker takes locks through a floor server, as a [contenders.Locker].
type Locker struct {
	name  string
	base  string
	nodes int
	t     *http.Transport
	c     *http.Client
}

// NewLocker calls the floor server at base (http://host:port) with up to conns
// connections kept, one per caller: over HTTP/1.1 each request in flight has its own.
func NewLocker(name, base string, nodes, conns int) *Locker {
	t := &http.Transport{MaxIdleConnsPerHost: conns}
	return &Locker{name: name, base: base, nodes: nodes, t: t, c: &http.Client{Transport: t}}
}

// Name implements [contenders.Locker].
func (l *Locker) Name() string { return l.name }

// Nodes implements [contenders.Locker].
func (l *Locker) Nodes() int { return l.nodes }

// Close implements [contenders.Locker].
func (l *Locker) Close() error {
	l.t.CloseIdleConnections()
	return nil
}

// Acquire implements [contenders.Locker]: the server waits until deadline.
func (l *Locker) Acquire(ctx context.Context, key string, ttl time.Duration, deadline time.Time) (contenders.Release, error) {
	body := binary.BigEndian.AppendUint64(nil, uint64(ttl.Milliseconds()))
	body = binary.BigEndian.AppendUint64(body, uint64(max(0, time.Until(deadline).Milliseconds())))
	id, status, err := l.post(ctx, "/acquire", append(body, key...))
	switch {
	case err != nil:
		return nil, err
	case status == http.StatusConflict:
		return nil, contenders.ErrNotAcquired
	case status != http.StatusOK || len(id) != 8:
		return nil, fmt.Errorf("floor acquire: %d %q", status, id)
	}
	return func(ctx context.Context) error {
		msg, status, err := l.post(ctx, "/release", id)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("floor release: %d %q", status, msg)
		}
		return err
	}, nil
}

// post sends body over a bytes.Reader, which net/http writes with the headers at once.
func (l *Locker) post(ctx context.Context, path string, body []byte) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	resp, err := l.c.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return b, resp.StatusCode, err
}

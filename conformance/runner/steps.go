package runner

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
)

// Default bounds for steps that wait and give no bound of their own.
const (
	defaultAwait   = 60 * time.Second
	defaultRenewal = 30 * time.Second
	// callSlack is how much longer than its own wait an adapter may take to answer.
	callSlack = 60 * time.Second
)

// caseRun is the state of one case on one target.
type caseRun struct {
	target  Target
	env     *env
	ad      *adapterProc
	board   *board
	locks   map[string]*lockRec
	pending map[string]*pendingAcquire
}

type lockRec struct {
	client  string
	fencing uint64
	// releasedAt is the lock's renewal count when its release was answered.
	releasedAt *int
	// heldAt is how many of its client's Extends the proxy had held when
	// hold-renewal began.
	heldAt int
}

// renewKey is the board key that counts a lock's renewals: for targets that talk to
// Redis, the adapter's renewed events (successes only: that is all the adapter sees);
// else the Extends the lock's client sent through its proxy, successful ones or, with
// sent, all of them.
func (r *caseRun) renewKey(lock string, sent bool) string {
	switch {
	case r.target.Via != "service":
		return "renewed:" + lock
	case sent:
		return "extend-sent:" + r.locks[lock].client
	}
	return "extend:" + r.locks[lock].client
}

// pendingAcquire is a background acquire; done is closed when rep/err are set.
type pendingAcquire struct {
	client string
	done   chan struct{}
	rep    protocol.Reply
	err    error
}

func (r *caseRun) url(client string) (string, error) {
	if r.target.Via == "redis" {
		return r.env.redisURL(), nil
	}
	p, err := r.env.proxy(client)
	if err != nil {
		return "", err
	}
	return p.url(), nil
}

// command builds the protocol command of an acquire, info or read step.
func (r *caseRun) command(op string, s *spec.Step) (protocol.Command, error) {
	u, err := r.url(s.Client)
	if err != nil {
		return protocol.Command{}, err
	}
	c := protocol.Command{Op: op, Client: s.Client, URL: u, Lock: s.Lock, Resource: s.Resource}
	switch {
	case s.ResourceLen != nil:
		c.Resource = strings.Repeat("r", *s.ResourceLen)
	case s.ResourceHex != "":
		b, _ := hex.DecodeString(s.ResourceHex) // checked by the validator
		c.ResourceB64 = base64.StdEncoding.EncodeToString(b)
	}
	if op != protocol.OpAcquire {
		return c, nil
	}
	c.TTLMS, c.WaitMS = ms(s.TTL), ms(s.Wait)
	c.Owner = s.Owner
	if s.OwnerLen > 0 {
		c.Owner = strings.Repeat("o", s.OwnerLen)
	}
	data := []byte(s.Data)
	if s.DataLen > 0 {
		data = bytes.Repeat([]byte{0xA5}, s.DataLen)
	}
	c.Data = base64.StdEncoding.EncodeToString(data)
	return c, nil
}

func ms(d *spec.Duration) *int64 {
	if d == nil {
		return nil
	}
	v := d.Milliseconds()
	return &v
}

func (r *caseRun) call(c protocol.Command) (protocol.Reply, error) {
	timeout := callSlack
	if c.WaitMS != nil && *c.WaitMS > 0 {
		timeout += time.Duration(*c.WaitMS) * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return r.ad.call(ctx, c)
}

func bound(d *spec.Duration, def time.Duration) time.Duration {
	if d == nil {
		return def
	}
	return d.Duration
}

// step runs one step.
func (r *caseRun) step(s *spec.Step) error {
	switch s.Do {
	case "acquire", "info", "read":
		c, err := r.command(s.Do, s)
		if err != nil {
			return err
		}
		if s.Background {
			p := &pendingAcquire{client: s.Client, done: make(chan struct{})}
			r.pending[s.Lock] = p
			go func() {
				defer close(p.done)
				p.rep, p.err = r.call(c)
			}()
			return nil
		}
		rep, err := r.call(c)
		if err != nil {
			return err
		}
		return r.check(s, s.Client, rep)
	case "extend", "release":
		c := protocol.Command{Op: s.Do, Lock: s.Lock, TTLMS: ms(s.TTL), LeaseToken: s.Token}
		var rep protocol.Reply
		var err error
		if s.Within != nil {
			ctx, cancel := context.WithTimeout(context.Background(), s.Within.Duration)
			rep, err = r.ad.call(ctx, c)
			cancel()
		} else {
			rep, err = r.call(c)
		}
		if s.Do == "release" && err == nil && s.Token == nil {
			n := r.board.get(r.renewKey(s.Lock, true))
			r.locks[s.Lock].releasedAt = &n
		}
		if err != nil {
			return err
		}
		return r.check(s, r.locks[s.Lock].client, rep)
	case "await":
		p := r.pending[s.Lock]
		select {
		case <-p.done:
		case <-time.After(bound(s.Within, defaultAwait)):
			return fmt.Errorf("background acquire of %s did not finish within %v", s.Lock, bound(s.Within, defaultAwait))
		}
		if p.err != nil {
			return p.err
		}
		return r.check(s, p.client, p.rep)
	case "expect-pending":
		p := r.pending[s.Lock]
		select {
		case <-p.done:
			return fmt.Errorf("acquire of %s finished (%s) while the lock was held by another; it should still wait", s.Lock, describe(p.rep, p.err))
		case <-time.After(s.For.Duration):
			return nil
		}
	case "pause-renewal", "resume-renewal":
		return r.pause(s.Lock, s.Do == "pause-renewal")
	case "hold-renewal":
		p, err := r.env.proxy(r.locks[s.Lock].client)
		if err != nil {
			return err
		}
		r.locks[s.Lock].heldAt = r.board.get("extend-held:" + r.locks[s.Lock].client)
		p.setHold(true)
		return nil
	case "await-held-renewal":
		l := r.locks[s.Lock]
		within := bound(s.Within, defaultRenewal)
		ctx, cancel := context.WithTimeout(context.Background(), within)
		defer cancel()
		if err := r.board.await(ctx, "extend-held:"+l.client, l.heldAt+1); err != nil {
			return fmt.Errorf("no renewal of %s reached the proxy within %v", s.Lock, within)
		}
		return nil
	case "await-renewal":
		key := r.renewKey(s.Lock, false)
		within := bound(s.Within, defaultRenewal)
		ctx, cancel := context.WithTimeout(context.Background(), within)
		defer cancel()
		if err := r.board.await(ctx, key, r.board.get(key)+s.Count); err != nil {
			return fmt.Errorf("%d renewal(s) of %s not seen within %v", s.Count, s.Lock, within)
		}
		return nil
	case "expect-lost":
		ctx, cancel := context.WithTimeout(context.Background(), s.Within.Duration)
		defer cancel()
		if err := r.board.await(ctx, "lost:"+s.Lock, 1); err != nil {
			return fmt.Errorf("%s was not reported lost within %v", s.Lock, s.Within.Duration)
		}
		return nil
	case "expect-no-renewal":
		l := r.locks[s.Lock]
		if l.releasedAt == nil {
			return fmt.Errorf("%s was not released", s.Lock)
		}
		if now := r.board.get(r.renewKey(s.Lock, true)); now != *l.releasedAt {
			return fmt.Errorf("%s was renewed %d time(s) after its release", s.Lock, now-*l.releasedAt)
		}
		return nil
	case "expect-held":
		if r.board.get("lost:"+s.Lock) > 0 {
			return fmt.Errorf("%s was reported lost", s.Lock)
		}
		return nil
	case "advance-redis-time":
		for _, n := range r.env.nodes {
			if err := n.advance(s.By.Duration); err != nil {
				return err
			}
		}
		return nil
	case "kill-node":
		return r.env.kill(*s.Node)
	case "restart-node":
		return r.env.restartNode(*s.Node)
	case "restart-service":
		return r.env.svc.restart(context.Background())
	case "contend":
		return r.contend(s)
	case "compare":
		a, b := r.locks[s.Lock], r.locks[s.GT]
		if a.fencing <= b.fencing {
			return fmt.Errorf("fencing token of %s (%d) is not greater than that of %s (%d)", s.Lock, a.fencing, s.GT, b.fencing)
		}
		return nil
	}
	return fmt.Errorf("runner does not implement op %q", s.Do)
}

func (r *caseRun) pause(lock string, pause bool) error {
	if r.target.Via == "service" {
		p, err := r.env.proxy(r.locks[lock].client)
		if err != nil {
			return err
		}
		p.paused.Store(pause)
		if !pause {
			p.setHold(false)
		}
		return nil
	}
	op := protocol.OpResumeRenewal
	if pause {
		op = protocol.OpPauseRenewal
	}
	rep, err := r.call(protocol.Command{Op: op, Lock: lock})
	if err != nil {
		return err
	}
	if !rep.OK {
		return fmt.Errorf("%s: %s", op, describe(rep, nil))
	}
	return nil
}

func describe(rep protocol.Reply, err error) string {
	switch {
	case err != nil:
		return err.Error()
	case rep.OK:
		return "ok"
	case rep.Message != "":
		return rep.Code + ": " + rep.Message
	}
	return rep.Code
}

// check compares a reply with the step's expectation and records acquired locks.
func (r *caseRun) check(s *spec.Step, client string, rep protocol.Reply) error {
	want := spec.Expect{Code: "ok"}
	if s.Expect != nil {
		want = *s.Expect
	}
	got := "ok"
	if !rep.OK {
		got = rep.Code
	}
	if got != want.Code {
		return fmt.Errorf("want %s, got %s", want.Code, describe(rep, nil))
	}
	if !rep.OK {
		return nil
	}
	var fencing uint64
	if rep.Fencing != "" {
		f, err := strconv.ParseUint(rep.Fencing, 10, 64)
		if err != nil {
			return fmt.Errorf("fencing token %q is not a decimal uint64", rep.Fencing)
		}
		fencing = f
	}
	if s.Do == "acquire" || s.Do == "await" {
		if fencing == 0 {
			return fmt.Errorf("granted lock %s has no fencing token", s.Lock)
		}
		r.locks[s.Lock] = &lockRec{client: client, fencing: fencing}
	}
	if l := want.FencingGT; l != "" && fencing <= r.locks[l].fencing {
		return fmt.Errorf("fencing token %d is not greater than %s's %d", fencing, l, r.locks[l].fencing)
	}
	if l := want.FencingEQ; l != "" && fencing != r.locks[l].fencing {
		return fmt.Errorf("fencing token %d is not %s's %d", fencing, l, r.locks[l].fencing)
	}
	if want.Owner != nil && rep.Owner != *want.Owner {
		return fmt.Errorf("owner %q, want %q", rep.Owner, *want.Owner)
	}
	if want.Times && (rep.LockTimeMS <= 0 || rep.ExpireTimeMS <= rep.LockTimeMS) {
		return fmt.Errorf("lock time %d ms and expire time %d ms: want both set, expiry later", rep.LockTimeMS, rep.ExpireTimeMS)
	}
	if want.Data != nil || want.DataLen != nil {
		data, err := base64.StdEncoding.DecodeString(rep.Data)
		if err != nil {
			return fmt.Errorf("payload is not base64: %w", err)
		}
		if want.Data != nil && string(data) != *want.Data {
			return fmt.Errorf("payload %q, want %q", data, *want.Data)
		}
		if want.DataLen != nil && (len(data) != *want.DataLen || !bytes.Equal(data, bytes.Repeat([]byte{0xA5}, *want.DataLen))) {
			return fmt.Errorf("payload of %d bytes is not the %d bytes sent", len(data), *want.DataLen)
		}
	}
	return nil
}

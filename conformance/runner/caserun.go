package runner

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
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
	// urls are the URLs new-client gave clients, in place of their proxy's.
	urls map[string]string
	// cleanup runs when the case ends, after the adapter's reset.
	cleanup []func()

	// resources are the resources of the locks taken with hold, by lock name.
	resources map[string]string
	// sessions are the client of each session, by session name.
	sessions map[string]string

	mu sync.Mutex
	// reasons are the loss reasons of the locks reported lost.
	reasons map[string]*pb.Error
	// watches are the events each watch reported, in order, by watch name.
	watches map[string]*watchLog
}

// event records an adapter's event on the board (and a loss's reason).
func (r *caseRun) event(ev *pb.Event) {
	switch {
	case ev.GetLost() != nil:
		r.mu.Lock()
		r.reasons[ev.GetLock()] = ev.GetLost().GetReason()
		r.mu.Unlock()
		r.board.add("lost:" + ev.GetLock())
	case ev.GetRenewed() != nil:
		r.board.add("renewed:" + ev.GetLock())
	case ev.GetWaiting() != nil:
		r.board.add("waiting:" + ev.GetLock())
		r.board.add("waiting:" + ev.GetLock() + ":" + ev.GetWaiting().GetOwner())
	case ev.GetWatch() != nil:
		r.mu.Lock()
		w := r.watches[ev.GetLock()]
		if w == nil {
			w = &watchLog{}
			r.watches[ev.GetLock()] = w
		}
		w.events = append(w.events, ev.GetWatch())
		r.mu.Unlock()
		r.board.add("watch:" + ev.GetLock())
	}
}

func (r *caseRun) lostReason(lock string) *pb.Error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reasons[lock]
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

// pendingAcquire is a background acquire; done is closed when rep/err are set.
type pendingAcquire struct {
	client string
	url    string
	done   chan struct{}
	rep    *pb.Reply
	err    error
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
		return callKey("Extend", r.locks[lock].client, "sent")
	}
	return callKey("Extend", r.locks[lock].client, "ok")
}

// callKey is the board key counting a client's calls of an RPC through its proxy:
// "sent" (all), "ok" (answered successfully) or "held" (held by hang-calls).
func callKey(method, client, what string) string { return method + "-" + what + ":" + client }

// url is where the client connects: the URL new-client gave it, the Redis nodes for
// targets that talk to Redis, else the client's proxy.
func (r *caseRun) url(client string) (string, error) {
	if u, ok := r.urls[client]; ok {
		return u, nil
	}
	if r.target.Via == "redis" {
		return r.env.redisURL(), nil
	}
	p, err := r.env.proxy(client)
	if err != nil {
		return "", err
	}
	return p.url(), nil
}

// proxy returns the proxy of the client that holds lock, or of client when lock is "".
func (r *caseRun) proxyOf(client, lock string) (*proxy, error) {
	if lock != "" {
		client = r.locks[lock].client
	}
	return r.env.proxy(client)
}

// call sends req, allowing wait plus callSlack for the answer.
func (r *caseRun) call(req *pb.AdapterRequest, wait time.Duration) (*pb.Reply, error) {
	ctx, cancel := context.WithTimeout(context.Background(), callSlack+max(wait, 0))
	defer cancel()
	return r.ad.call(ctx, req)
}

// callWithin sends req, allowing it within (or the default slack when nil).
func (r *caseRun) callWithin(req *pb.AdapterRequest, within *spec.Duration) (*pb.Reply, error) {
	ctx, cancel := context.WithTimeout(context.Background(), within.Or(callSlack))
	defer cancel()
	return r.ad.call(ctx, req)
}

func describe(rep *pb.Reply, err error) string {
	switch {
	case err != nil:
		return err.Error()
	case rep.GetError() == nil:
		return "ok"
	case rep.GetError().GetMessage() != "":
		return rep.GetError().GetCode() + ": " + rep.GetError().GetMessage()
	}
	return rep.GetError().GetCode()
}

// checkCode compares a reply's outcome with the expected one (nil: success).
func checkCode(want *spec.Expect, rep *pb.Reply, url string) error {
	code, wantCode := "ok", "ok"
	if e := rep.GetError(); e != nil {
		code = e.GetCode()
	}
	if want != nil && want.Code != "" {
		wantCode = want.Code
	}
	if code != wantCode {
		return fmt.Errorf("want %s, got %s", wantCode, describe(rep, nil))
	}
	if want != nil && want.MessageContains != "" {
		sub := strings.ReplaceAll(want.MessageContains, "{url}", url)
		if !strings.Contains(rep.GetError().GetMessage(), sub) {
			return fmt.Errorf("message %q does not contain %q", rep.GetError().GetMessage(), sub)
		}
	}
	return nil
}

// checkFencing checks a granted token against fencing_gt / fencing_eq.
func (r *caseRun) checkFencing(want *spec.Expect, fencing uint64) error {
	if want == nil {
		return nil
	}
	if l := want.FencingGT; l != "" && fencing <= r.locks[l].fencing {
		return fmt.Errorf("fencing token %d is not greater than %s's %d", fencing, l, r.locks[l].fencing)
	}
	if l := want.FencingEQ; l != "" && fencing != r.locks[l].fencing {
		return fmt.Errorf("fencing token %d is not %s's %d", fencing, l, r.locks[l].fencing)
	}
	return nil
}

// grant checks an acquire's (or await's) reply and records the lock it granted.
func (r *caseRun) grant(lock, client, url string, want *spec.Expect, rep *pb.Reply) error {
	if err := checkCode(want, rep, url); err != nil || rep.GetError() != nil {
		return err
	}
	fencing := rep.GetLock().GetFencingToken()
	if fencing == 0 {
		return fmt.Errorf("granted lock %s has no fencing token", lock)
	}
	r.locks[lock] = &lockRec{client: client, fencing: fencing}
	return r.checkFencing(want, fencing)
}

// resumeRenewal undoes pause-renewal (and hold-renewal) of lock.
func (r *caseRun) setRenewalPaused(lock string, paused bool) error {
	if r.target.Via == "service" {
		p, err := r.proxyOf("", lock)
		if err != nil {
			return err
		}
		p.rules.set("Extend", func(ru *rule) {
			ru.fail = ""
			if paused {
				ru.fail = protocol.CodeUnavailable
			}
			ru.hold = ru.hold && paused
		})
		return nil
	}
	rep, err := r.call(&pb.AdapterRequest{Op: &pb.AdapterRequest_SetRenewalPaused{
		SetRenewalPaused: &pb.SetRenewalPausedRequest{Lock: lock, Paused: paused}}}, 0)
	if err != nil {
		return err
	}
	if rep.GetError() != nil {
		return fmt.Errorf("set_renewal_paused: %s", describe(rep, nil))
	}
	return nil
}

// awaitCount waits until the board's key has grown by n from base, within d.
func (r *caseRun) awaitCount(key string, base, n int, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return r.board.await(ctx, key, base+n)
}

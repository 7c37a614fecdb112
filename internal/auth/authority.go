package auth

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
)

// An Authority applies the current policy of an auth file to requests and calls. It is
// safe for concurrent use; [Authority.Reload] swaps the policy without disturbing calls
// in flight, which finish under the policy they started with.
type Authority struct {
	path   string
	logger *slog.Logger
	policy atomic.Pointer[Policy]
	sum    atomic.Pointer[[32]byte] // of the file content the policy came from
	badSum atomic.Pointer[[32]byte] // of the last content that did not compile
	ledger *ledger

	denied        *prometheus.CounterVec
	authenticated *prometheus.CounterVec
}

// New loads the auth file at path. A file that does not load is an error here; later,
// [Authority.Reload] keeps the previous policy instead.
func New(path string, logger *slog.Logger) (*Authority, error) {
	a := &Authority{
		path:   path,
		logger: logger,
		ledger: newLedger(),
		denied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "distlock_auth_denied_total",
			Help: "Calls refused by the auth layer, by code (unauthenticated, permission_denied, resource_exhausted) and the caller's group (one the auth file names, none, or unauthenticated).",
		}, []string{"code", "group"}),
		authenticated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "distlock_auth_authenticated_total",
			Help: "Requests whose credential was accepted, by method (token, jwt, mtls) and the caller's group.",
		}, []string{"method", "group"}),
	}
	if err := a.load(true); err != nil {
		return nil, err
	}
	return a, nil
}

// Collectors are the auth layer's metrics, for the server's registry.
func (a *Authority) Collectors() []prometheus.Collector {
	return []prometheus.Collector{a.denied, a.authenticated}
}

// Policy returns the policy in force.
func (a *Authority) Policy() *Policy { return a.policy.Load() }

// Authorize returns nil when the caller of ctx may use verb on resource under the
// policy in force, and otherwise a permission_denied (or, with no identity,
// unauthenticated) error, after logging and counting the denial.
func (a *Authority) Authorize(ctx context.Context, verb, resource string) error {
	id := FromContext(ctx)
	p := a.policy.Load()
	if id == nil {
		return a.Deny(ctx, p, nil, verb, resource, connect.CodeUnauthenticated, reasonMissing)
	}
	if q := p.quotaOf(id.Principal); !a.ledger.takeToken(id.Principal, q, time.Now()) {
		return a.Deny(ctx, p, id, verb, resource, connect.CodeResourceExhausted,
			exhausted("rate", fmt.Sprintf("%g/s, burst %d", q.Rate, q.Burst), id.Principal).Error())
	}
	if p.Allowed(id, verb, resource) {
		return nil
	}
	return a.Deny(ctx, p, id, verb, resource, connect.CodePermissionDenied,
		fmt.Sprintf("%q may not %s %q: no rule of the auth file grants it", id.Principal, verb, resource))
}

// Owner returns the owner label stored for a lock the caller of ctx takes with label:
// the principal, then "/" and the label if there is one, so that Info cannot show a
// lock in someone else's name. Without an identity the label is kept as is.
func (a *Authority) Owner(ctx context.Context, label string) string {
	id := FromContext(ctx)
	switch {
	case id == nil:
		return label
	case label == "":
		return id.Principal
	}
	return id.Principal + "/" + label
}

// Deny logs one audit line for a refused call (never a credential), counts it, and
// returns the error the caller gets, with reason as its message.
func (a *Authority) Deny(ctx context.Context, p *Policy, id *Identity, verb, resource string, code connect.Code, reason string) error {
	principal, method := "", ""
	if id != nil {
		principal, method = id.Principal, id.Method
	}
	a.denied.WithLabelValues(code.String(), p.metricGroup(id)).Inc()
	a.logger.LogAttrs(ctx, slog.LevelWarn, "auth denied",
		slog.String("principal", principal), slog.String("auth_method", method),
		slog.String("verb", verb), slog.String("resource", resource),
		slog.String("code", code.String()), slog.String("reason", reason))
	return connect.NewError(code, fmt.Errorf("%s", reason))
}

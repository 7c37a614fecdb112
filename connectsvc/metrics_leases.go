package connectsvc

import (
	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
)

// leaseMetrics count what happens to leases, as far as one replica sees it.
type leaseMetrics struct {
	// losses counts, by reason, leases their holder found gone: an Extend or a Release
	// answered not_found (the lease expired, or another holder has the resource).
	losses *prometheus.CounterVec
	// fencing counts, by reason, the advances of a resource's fencing token: every
	// grant issues a token above the previous holder's.
	fencing *prometheus.CounterVec
}

func newLeaseMetrics() leaseMetrics {
	return leaseMetrics{
		losses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "distlock_lease_losses_total",
			Help: "Leases lost, by reason: extend_not_held (a renewal found the lease expired or taken), release_not_held (a release found it so), force_released (an admin broke it through this replica).",
		}, []string{"reason"}),
		fencing: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "distlock_fencing_advances_total",
			Help: "Fencing token advances issued through this replica, by reason: grant (a lock granted to a new holder), force_release (an admin broke a lock).",
		}, []string{"reason"}),
	}
}

// lossReasons and fencingReasons are every reason label value, each series exported
// from the start at 0.
var (
	lossReasons    = []string{"extend_not_held", "release_not_held", "force_released"}
	fencingReasons = []string{"grant", "force_release"}
)

func (l leaseMetrics) collectors() []prometheus.Collector {
	for _, r := range lossReasons {
		l.losses.WithLabelValues(r)
	}
	for _, r := range fencingReasons {
		l.fencing.WithLabelValues(r)
	}
	return []prometheus.Collector{l.losses, l.fencing}
}

// leaseOutcome is what one procedure's outcomes mean for leases: the counters of a
// not_found answer (lost) and of a success (advanced, broken), each nil when the outcome
// means nothing for leases.
type leaseOutcome struct {
	lost, advanced, broken prometheus.Counter
}

func (l leaseMetrics) outcome(method string) leaseOutcome {
	switch method {
	case "Acquire":
		return leaseOutcome{advanced: l.fencing.WithLabelValues("grant")}
	case "Extend":
		return leaseOutcome{lost: l.losses.WithLabelValues("extend_not_held")}
	case "Release":
		return leaseOutcome{lost: l.losses.WithLabelValues("release_not_held")}
	case "ForceRelease":
		return leaseOutcome{advanced: l.fencing.WithLabelValues("force_release"), broken: l.losses.WithLabelValues("force_released")}
	}
	return leaseOutcome{}
}

// count counts a call's outcome.
func (o leaseOutcome) count(err error) {
	if err != nil {
		if o.lost != nil && connect.CodeOf(err) == connect.CodeNotFound {
			o.lost.Inc()
		}
		return
	}
	for _, c := range []prometheus.Counter{o.advanced, o.broken} {
		if c != nil {
			c.Inc()
		}
	}
}

package connectsvc

import (
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// registerServiceMetrics adds the collectors that read the Service's own state: the
// nodes' health, the locks this replica granted and still sees held, the lessor's
// hand-overs, and what this binary is.
func registerServiceMetrics(s *Service) {
	s.metrics.registry.MustRegister(
		nodeCollector{s.ready},
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "distlock_locks_held",
			Help: "Leases granted through this replica and still valid as far as it knows (a replica does not see leases granted through the others).",
		}, func() float64 { return float64(s.holds.live(time.Now())) }),
		buildInfo(),
	)
	// A lessor that hands locks over from a releasing holder to a waiting contender
	// (core/redlock's Client) counts them; none is registered otherwise, so that the
	// series is absent rather than a false 0.
	if h, ok := s.lessor.(interface{ HandOvers() uint64 }); ok {
		s.metrics.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "distlock_handovers_total",
			Help: "Locks handed over by their releasing holder straight to a contender waiting in this replica, without a free moment between them.",
		}, func() float64 { return float64(h.HandOvers()) }))
	}
	// A lessor that names its nodes (core/redlock's Client) gets each node's error
	// counter at 0 from the start, so that rate() and dashboards see it before an error.
	if n, ok := s.lessor.(interface{ Nodes() []string }); ok {
		for _, node := range n.Nodes() {
			s.metrics.nodeErrors.WithLabelValues(node)
		}
	}
}

// buildInfo is the constant distlock_build_info metric, labelled with what the Go
// toolchain recorded about this binary.
func buildInfo() prometheus.Collector {
	version, revision := "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Version
		for _, kv := range bi.Settings {
			if kv.Key == "vcs.revision" {
				revision = kv.Value
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "distlock_build_info",
		Help:        "Always 1; its labels say which distlock build serves (module version and VCS revision).",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision},
	})
	g.Set(1)
	return g
}

package connectsvc

import (
	"net/http"
	"path"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the service's Prometheus collectors, on a registry of its own so that two
// services in one process (as in tests) do not collide.
type metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	acquireWait *byCode[prometheus.Observer]
	holdTime    prometheus.Histogram
	nodeErrors  *prometheus.CounterVec
	waiters     prometheus.Gauge
	leases      leaseMetrics
	refused     *prometheus.CounterVec
	abandoned   prometheus.Counter
	batch       batchMetrics
}

func newMetrics(extra ...prometheus.Collector) *metrics {
	acquireWait := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "distlock_acquire_wait_seconds",
		Help:    "Time an Acquire took, including its wait for the lock, by code.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 10), // 1ms .. ~4.4min
	}, []string{"code"})
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "distlock_requests_total",
			Help: "LockService calls handled, by method and code (ok or the error code).",
		}, []string{"method", "code"}),
		acquireWait: newObserverCodes(acquireWait),
		holdTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "distlock_lock_hold_seconds",
			Help:    "Time from a grant to its Release, for leases granted and released through this replica.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10), // 10ms .. ~44min
		}),
		nodeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "distlock_node_errors_total",
			Help: "Errors of single lock service nodes (Redis masters), by node address.",
		}, []string{"node"}),
		waiters: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "distlock_acquire_waiters",
			Help: "Acquire calls in progress, most of them waiting for a held lock.",
		}),
		leases:  newLeaseMetrics(),
		refused: refusedCounter(),
	}
	m.registry.MustRegister(append(m.leases.collectors(), m.refused)...)
	m.abandoned = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "distlock_abandoned_grants_total",
		Help: "Grants released at once because their caller had left before the reply reached it.",
	})
	m.registry.MustRegister(m.requests, acquireWait, m.holdTime, m.nodeErrors, m.waiters, m.abandoned,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.registerBatch()
	m.registry.MustRegister(extra...)
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// methodCounters are the request counters of one procedure, by outcome.
type methodCounters struct {
	method   string // the procedure's last path element, e.g. "Acquire"
	requests *byCode[prometheus.Counter]
	leases   leaseOutcome
}

func (m *metrics) methodCounters(procedure string) *methodCounters {
	method := path.Base(procedure)
	return &methodCounters{method: method, requests: newCodeCounters(m.requests, method), leases: m.leases.outcome(method)}
}

package connectsvc

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// nodeCollector exports the readiness view at scrape time: whether the service can grant
// locks, and each node's state. It shares the readiness's look at the nodes, so a scrape
// costs the nodes at most one round trip a second.
type nodeCollector struct{ r *readiness }

var (
	readyDesc = prometheus.NewDesc("distlock_ready",
		"1 when this replica can grant locks (a trusted quorum of nodes answers and it is not draining), else 0.", nil, nil)
	nodeUpDesc = prometheus.NewDesc("distlock_node_up",
		"1 when the lock service node answered the last health probe, else 0.", []string{"node"}, nil)
	nodeQuarantinedDesc = prometheus.NewDesc("distlock_node_quarantined",
		"1 when the node answers but its votes do not count yet (new, or lost its data), else 0.", []string{"node"}, nil)
	nodeQuarantineLeftDesc = prometheus.NewDesc("distlock_node_quarantine_remaining_seconds",
		"Time until a quarantined node's votes count; 0 when not quarantined, absent while not known yet.", []string{"node"}, nil)
)

func (c nodeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{readyDesc, nodeUpDesc, nodeQuarantinedDesc, nodeQuarantineLeftDesc} {
		ch <- d
	}
}

func (c nodeCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.r.now(context.Background())
	ch <- prometheus.MustNewConstMetric(readyDesc, prometheus.GaugeValue, bit(st.ready()))
	if st.nodes == nil {
		return
	}
	for _, n := range st.nodes.Nodes {
		ch <- prometheus.MustNewConstMetric(nodeUpDesc, prometheus.GaugeValue, bit(n.Err == nil), n.Node)
		if n.Err != nil {
			continue // its quarantine is not known while it does not answer
		}
		ch <- prometheus.MustNewConstMetric(nodeQuarantinedDesc, prometheus.GaugeValue, bit(n.Quarantined), n.Node)
		switch {
		case !n.Quarantined:
			ch <- prometheus.MustNewConstMetric(nodeQuarantineLeftDesc, prometheus.GaugeValue, 0, n.Node)
		case n.QuarantineLeft >= 0:
			ch <- prometheus.MustNewConstMetric(nodeQuarantineLeftDesc, prometheus.GaugeValue, n.QuarantineLeft.Seconds(), n.Node)
		}
	}
}

func bit(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

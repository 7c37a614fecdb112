package connectsvc

import (
	"encoding/json"
	"net/http"
	"time"
)

// Paths of the plain-HTTP health endpoints, as Kubernetes probes expect them.
const (
	LivenessPath  = "/healthz"
	ReadinessPath = "/readyz"
)

// readyReport is the body of GET /readyz: a person paged at night reads it with curl.
type readyReport struct {
	// Status is "ready", "not_ready" (no trusted quorum) or "draining" (shutting down).
	Status string `json:"status"`
	// Reason says what is missing; empty when every node is trusted.
	Reason    string       `json:"reason,omitempty"`
	Quorum    int          `json:"quorum,omitempty"`
	Trusted   int          `json:"trusted,omitempty"`
	CheckedAt *time.Time   `json:"checked_at,omitempty"`
	Nodes     []nodeReport `json:"nodes,omitempty"`
}

type nodeReport struct {
	Node        string `json:"node"`
	Up          bool   `json:"up"`
	Error       string `json:"error,omitempty"`
	Quarantined bool   `json:"quarantined"`
	// QuarantineLeft and QuarantinedUntil are set when a quarantined node's end is known.
	QuarantineLeft   string     `json:"quarantine_left,omitempty"`
	QuarantinedUntil *time.Time `json:"quarantined_until,omitempty"`
}

// serveLiveness answers 200 while the process serves HTTP at all, draining included: a
// replica whose Redis is down is not ready, but restarting it would not help.
func (s *Service) serveLiveness(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "alive"})
}

// serveReadiness answers 200 when the service can grant locks (a trusted quorum of nodes
// answers and it is not draining), else 503, with a report of every node either way.
func (s *Service) serveReadiness(w http.ResponseWriter, r *http.Request) {
	st := s.ready.now(r.Context())
	rep := readyReport{Status: "ready"}
	switch {
	case st.draining:
		rep.Status = "draining"
	case !st.ready():
		rep.Status = "not_ready"
	}
	if h := st.nodes; h != nil {
		checked := h.Checked.UTC()
		rep.Reason, rep.Quorum, rep.Trusted, rep.CheckedAt = h.Reason(), h.Quorum, h.Trusted(), &checked
		for _, n := range h.Nodes {
			nr := nodeReport{Node: n.Node, Up: n.Err == nil, Quarantined: n.Quarantined}
			if n.Err != nil {
				nr.Error = n.Err.Error()
			}
			if n.Quarantined && n.QuarantineLeft >= 0 {
				until := h.Checked.Add(n.QuarantineLeft).UTC().Truncate(time.Second)
				nr.QuarantineLeft, nr.QuarantinedUntil = n.QuarantineLeft.Round(time.Second).String(), &until
			}
			rep.Nodes = append(rep.Nodes, nr)
		}
	}
	code := http.StatusOK
	if !st.ready() {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, rep)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away: nothing to do
}

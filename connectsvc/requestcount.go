package connectsvc

import (
	"sync/atomic"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
)

// maxCode is the largest connect.Code; index 0 of a codeCounters stands for "ok".
const maxCode = connect.CodeUnauthenticated

// codeCounters are the children of a CounterVec for one fixed set of leading labels, one
// per outcome (ok or an error code), each resolved on first use and then kept, so that
// the hot path pays neither the label hashing of WithLabelValues nor a map lookup. A
// child is created only when its outcome first happens, so /metrics lists no series
// that never counted anything.
type codeCounters struct {
	vec    *prometheus.CounterVec
	labels []string // leading label values; the code label comes last
	byCode [maxCode + 1]atomic.Pointer[prometheus.Counter]
}

func newCodeCounters(vec *prometheus.CounterVec, labels ...string) *codeCounters {
	return &codeCounters{vec: vec, labels: labels}
}

// inc counts one outcome: err nil is "ok", otherwise err's code.
func (c *codeCounters) inc(err error) {
	c.child(err).Inc()
}

func (c *codeCounters) child(err error) prometheus.Counter {
	i := 0
	if err != nil {
		code := connect.CodeOf(err)
		if code < 1 || code > maxCode {
			// Not a code connect defines: not worth a slot; look it up each time.
			return c.vec.WithLabelValues(append(c.labels[:len(c.labels):len(c.labels)], code.String())...)
		}
		i = int(code)
	}
	if p := c.byCode[i].Load(); p != nil {
		return *p
	}
	// Racing first uses get the same child from the vector; either store is right.
	ctr := c.vec.WithLabelValues(append(c.labels[:len(c.labels):len(c.labels)], codeName(err))...)
	c.byCode[i].Store(&ctr)
	return ctr
}

// observerCodes are, like codeCounters, the cached children of a HistogramVec whose
// only label is the outcome.
type observerCodes struct {
	vec    *prometheus.HistogramVec
	byCode [maxCode + 1]atomic.Pointer[prometheus.Observer]
}

// observe records v under err's outcome (ok or its code).
func (o *observerCodes) observe(err error, v float64) {
	i := 0
	if err != nil {
		code := connect.CodeOf(err)
		if code < 1 || code > maxCode {
			o.vec.WithLabelValues(code.String()).Observe(v)
			return
		}
		i = int(code)
	}
	if p := o.byCode[i].Load(); p != nil {
		(*p).Observe(v)
		return
	}
	obs := o.vec.WithLabelValues(codeName(err))
	o.byCode[i].Store(&obs)
	obs.Observe(v)
}

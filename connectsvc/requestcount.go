package connectsvc

import (
	"sync/atomic"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
)

// maxCode is the largest connect.Code; slot 0 of a byCode stands for "ok".
const maxCode = connect.CodeUnauthenticated

// byCode holds the children of a metric vector for one fixed set of other labels, one
// per outcome (ok or an error code), each resolved on first use and then kept, so that
// the hot path pays neither the label hashing of WithLabelValues nor a map lookup. A
// child is created only when its outcome first happens, so /metrics lists no series
// that never counted anything.
type byCode[T any] struct {
	child func(code string) T // the vector's child for a code label value
	slots [maxCode + 1]atomic.Pointer[T]
}

// newCodeCounters returns the children of vec, whose labels are method and code, for
// method.
func newCodeCounters(vec *prometheus.CounterVec, method string) *byCode[prometheus.Counter] {
	return &byCode[prometheus.Counter]{child: func(code string) prometheus.Counter {
		return vec.WithLabelValues(method, code)
	}}
}

// newObserverCodes returns the children of vec, whose only label is code.
func newObserverCodes(vec *prometheus.HistogramVec) *byCode[prometheus.Observer] {
	return &byCode[prometheus.Observer]{child: func(code string) prometheus.Observer {
		return vec.WithLabelValues(code)
	}}
}

// of returns the child for err's outcome: ok when err is nil, otherwise err's code.
func (b *byCode[T]) of(err error) T {
	i := 0
	if err != nil {
		code := connect.CodeOf(err)
		if code < 1 || code > maxCode {
			// Not a code connect defines: not worth a slot; look it up each time.
			return b.child(code.String())
		}
		i = int(code)
	}
	if p := b.slots[i].Load(); p != nil {
		return *p
	}
	// Racing first uses get the same child from the vector; either store is right.
	c := b.child(codeName(err))
	b.slots[i].Store(&c)
	return c
}

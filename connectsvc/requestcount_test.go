package connectsvc

import (
	"errors"
	"fmt"
	"testing"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
)

// series gathers reg and renders every sample as "name{label values} value"; for
// histograms the value is the sample count.
func series(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName() + "{"
			for _, l := range m.GetLabel() {
				key += l.GetValue() + ","
			}
			key += "}"
			if h := m.GetHistogram(); h != nil {
				out[key] = float64(h.GetSampleCount())
			} else {
				out[key] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}

// The cached children must count under the same labels as a fresh WithLabelValues,
// each outcome in its own series, also for a code connect does not define, and no series
// for outcomes that never happened.
func TestCodeCountersCountEachOutcomeUnderItsLabels(t *testing.T) {
	reg := prometheus.NewRegistry()
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "x_total", Help: "x"}, []string{"method", "code"})
	reg.MustRegister(vec)
	c := newCodeCounters(vec, "Acquire")
	aborted := connect.NewError(connect.CodeAborted, errors.New("held"))
	for range 3 {
		c.of(nil).Inc()
	}
	c.of(aborted).Inc()
	c.of(aborted).Inc()
	c.of(connect.NewError(connect.Code(99), errors.New("odd"))).Inc()
	c.of(errors.New("not a connect error")).Inc()
	got := series(t, reg)
	want := map[string]float64{
		"x_total{unknown,Acquire,}":                           1, // label values come sorted by label name: code, method
		"x_total{aborted,Acquire,}":                           2,
		"x_total{ok,Acquire,}":                                3,
		fmt.Sprintf("x_total{%s,Acquire,}", connect.Code(99)): 1,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("series %v, want %v", got, want)
	}
}

func TestObserverCodesObserveEachOutcomeUnderItsLabel(t *testing.T) {
	reg := prometheus.NewRegistry()
	vec := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "w_seconds", Help: "w"}, []string{"code"})
	reg.MustRegister(vec)
	o := newObserverCodes(vec)
	o.of(nil).Observe(0.1)
	o.of(nil).Observe(0.2)
	o.of(connect.NewError(connect.CodeUnavailable, errors.New("down"))).Observe(0.3)
	got := series(t, reg)
	want := map[string]float64{"w_seconds{ok,}": 2, "w_seconds{unavailable,}": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("series %v, want %v", got, want)
	}
}

package runner

import (
	"strings"
	"testing"

	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

func watchRun(kinds ...string) *caseRun {
	w := &watchLog{}
	for _, k := range kinds {
		w.events = append(w.events, &pb.WatchEvent{Kind: k, Resource: "r"})
	}
	return &caseRun{watches: map[string]*watchLog{"W": w}}
}

// TestAfterBacklogSkipsToItsKind: an event marked after_backlog is matched at its first
// occurrence, whatever came before; the events after it are matched strictly.
func TestAfterBacklogSkipsToItsKind(t *testing.T) {
	want := []wantWatchEvent{{Kind: "resync", AfterBacklog: true}, {Kind: "synced"}}
	tests := []struct {
		name   string
		kinds  []string
		done   bool
		failed bool
	}{
		{"backlog then resync", []string{"granted", "released", "granted", "resync", "synced"}, true, false},
		{"resync at once", []string{"resync", "synced"}, true, false},
		{"no resync yet", []string{"granted", "released"}, false, false},
		{"strict after it", []string{"granted", "resync", "granted", "synced"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done, err := watchRun(tt.kinds...).matchWatch("W", want)
			if done != tt.done || (err != nil) != tt.failed {
				t.Errorf("done %v, error %v; want done %v, failed %v", done, err, tt.done, tt.failed)
			}
		})
	}
	// Without after_backlog the first event must be the resync.
	if _, err := watchRun("granted", "resync", "synced").matchWatch("W", []wantWatchEvent{{Kind: "resync"}, {Kind: "synced"}}); err == nil {
		t.Error("a strict resync matched after a granted")
	}
}

// TestDescribeEventsKeepsLongBacklogsShort: a failure's message names the first and
// last events of a long list and counts the rest.
func TestDescribeEventsKeepsLongBacklogsShort(t *testing.T) {
	evs := make([]*pb.WatchEvent, 1000)
	for i := range evs {
		evs[i] = &pb.WatchEvent{Kind: "granted", Resource: "r"}
	}
	got := describeEvents(evs)
	if n := strings.Count(got, "granted"); n != 2*describedEvents {
		t.Errorf("%d events spelled, want %d", n, 2*describedEvents)
	}
	if !strings.Contains(got, "… 960 more …") || !strings.HasPrefix(got, "[") || !strings.HasSuffix(got, "]") {
		t.Errorf("got %s", got)
	}
}

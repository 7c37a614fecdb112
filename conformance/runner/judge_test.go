package runner

import "testing"

// TestJudge checks how the known-failing list turns results into cells.
func TestJudge(t *testing.T) {
	known := KnownFailure{Case: "c", Reason: "why"}
	flaky := KnownFailure{Case: "c", Reason: "a race", Flaky: true}
	tests := []struct {
		name   string
		res    Status
		known  KnownFailure
		listed bool
		want   Status
	}{
		{"unlisted pass", Pass, KnownFailure{}, false, Pass},
		{"unlisted failure", Fail, KnownFailure{}, false, Fail},
		{"listed failure", Fail, known, true, KnownFail},
		{"listed pass is stale", Pass, known, true, UnexpectedPass},
		{"flaky failure", Fail, flaky, true, KnownFail},
		{"flaky pass", Pass, flaky, true, Pass},
		{"n/a stays n/a", NotApplicable, known, true, NotApplicable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := judge(Result{Status: tt.res}, tt.known, tt.listed).Status; got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

package runner

import "github.com/distlock/distlock/conformance/spec"

// step is an op the runner can run: its fields and checks (spec.Op) and its executor.
// Each op lives in one file, op_<name>.go, with both.
type step interface {
	spec.Op
	run(r *caseRun) error
}

// Ops is the runner's vocabulary: every op a case may use. Pass it to spec.Load.
var Ops = spec.Ops{
	"acquire":            newOp[acquireOp],
	"extend":             newOp[extendOp],
	"release":            newOp[releaseOp],
	"info":               newOp[infoOp],
	"read":               newOp[readOp],
	"new-client":         newOp[newClientOp],
	"await":              newOp[awaitOp],
	"expect-pending":     newOp[expectPendingOp],
	"pause-renewal":      newOp[pauseRenewalOp],
	"resume-renewal":     newOp[resumeRenewalOp],
	"hold-renewal":       newOp[holdRenewalOp],
	"await-held-renewal": newOp[awaitHeldRenewalOp],
	"await-renewal":      newOp[awaitRenewalOp],
	"expect-lost":        newOp[expectLostOp],
	"expect-held":        newOp[expectHeldOp],
	"expect-no-renewal":  newOp[expectNoRenewalOp],
	"fail-calls":         newOp[failCallsOp],
	"hang-calls":         newOp[hangCallsOp],
	"stall-streams":      newOp[stallStreamsOp],
	"cap-wait":           newOp[capWaitOp],
	"heal-calls":         newOp[healCallsOp],
	"await-calls":        newOp[awaitCallsOp],
	"advance-redis-time": newOp[advanceRedisTimeOp],
	"kill-node":          newOp[killNodeOp],
	"restart-node":       newOp[restartNodeOp],
	"restart-service":    newOp[restartServiceOp],
	"contend":            newOp[contendOp],
	"churn":              newOp[churnOp],
	"compare":            newOp[compareOp],
	"hold":               newOp[holdOp],
	"expect-hold-event":  newOp[expectHoldEventOp],
	"expect-waiting":     newOp[expectWaitingOp],
	"disconnect":         newOp[disconnectOp],
	"expect-released":    newOp[expectReleasedOp],
	"watch":              newOp[watchOp],
	"expect-watch":       newOp[expectWatchOp],
	"session":            newOp[sessionOp],
	"session-acquire":    newOp[sessionAcquireOp],
	"session-close":      newOp[sessionCloseOp],
	"force-release":      newOp[forceReleaseOp],
	"expect-no-calls":    newOp[expectNoCallsOp],
}

func newOp[T any, P interface {
	*T
	step
}]() spec.Op {
	return P(new(T))
}

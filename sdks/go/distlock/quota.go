package distlock

import (
	"fmt"
	"regexp"

	"connectrpc.com/connect"
)

// A QuotaError names the quota whose exhaustion an [ErrResourceExhausted] error reports;
// get it with errors.As.
type QuotaError struct {
	// Quota is the quota's name: a per-principal quota of the auth file (max_held,
	// max_waiting, max_payload_bytes, max_ttl, rate), or max_waiters, the service's cap
	// on waiting Acquires.
	Quota string
	// Limit is the quota's value as the service wrote it: "1", "2m0s", "200/s, burst 400".
	Limit string
	// Principal is the caller the quota counts for; "" for the service's cap.
	Principal string
}

func (q *QuotaError) Error() string {
	if q.Principal == "" {
		return fmt.Sprintf("distlock: quota %s (%s) reached", q.Quota, q.Limit)
	}
	return fmt.Sprintf("distlock: quota %s (%s) reached for %q", q.Quota, q.Limit, q.Principal)
}

// The service's two messages (internal/auth's exhausted(), connectsvc's msgMaxWaiters):
//
//	quota max_held (1000) reached for "ci-deploy"
//	the server-wide cap on waiting Acquires (max_waiters 10000) is reached; ...
var (
	quotaMessage     = regexp.MustCompile(`quota (\w+) \(([^()]*)\) reached for "(.*)"`)
	serverCapMessage = regexp.MustCompile(`\((max_waiters) (\d+)\)`)
)

// quotaOf reads the quota a resource_exhausted error names; nil for any other error or
// a message that names none.
func quotaOf(err *connect.Error) *QuotaError {
	if err.Code() != connect.CodeResourceExhausted {
		return nil
	}
	if m := quotaMessage.FindStringSubmatch(err.Message()); m != nil {
		return &QuotaError{Quota: m[1], Limit: m[2], Principal: m[3]}
	}
	if m := serverCapMessage.FindStringSubmatch(err.Message()); m != nil {
		return &QuotaError{Quota: m[1], Limit: m[2]}
	}
	return nil
}

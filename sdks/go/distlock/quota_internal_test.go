package distlock

import (
	"errors"
	"testing"

	"connectrpc.com/connect"
)

// TestQuotaOfMessages reads both messages of the service (internal/auth's quota,
// connectsvc's server-wide cap) and leaves other errors without a quota.
func TestQuotaOfMessages(t *testing.T) {
	for _, c := range []struct {
		msg  string
		want *QuotaError
	}{
		{`quota rate (200/s, burst 400) reached for "ci"`, &QuotaError{Quota: "rate", Limit: "200/s, burst 400", Principal: "ci"}},
		{`quota max_ttl (2m0s) reached for "a/b"`, &QuotaError{Quota: "max_ttl", Limit: "2m0s", Principal: "a/b"}},
		{"the server-wide cap on waiting Acquires (max_waiters 10000) is reached; retry later or without a wait",
			&QuotaError{Quota: "max_waiters", Limit: "10000"}},
		{"something else", nil},
	} {
		err := fromService(connect.NewError(connect.CodeResourceExhausted, errors.New(c.msg)))
		if !errors.Is(err, ErrResourceExhausted) {
			t.Errorf("%q: %v is not ErrResourceExhausted", c.msg, err)
		}
		var q *QuotaError
		switch {
		case !errors.As(err, &q):
			if c.want != nil {
				t.Errorf("%q: no QuotaError, want %+v", c.msg, *c.want)
			}
		case c.want == nil || *q != *c.want:
			t.Errorf("%q: quota %+v, want %+v", c.msg, *q, c.want)
		}
	}
}

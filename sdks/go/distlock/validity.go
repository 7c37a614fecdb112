package distlock

import (
	"net/url"
	"time"

	"github.com/distlock/distlock/core/driver"
	policy "github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
	"google.golang.org/protobuf/types/known/durationpb"
)

// validUntil is the local time until which a lease granted or extended for ttl by a
// request sent at sent is certainly held. The service's key expires ttl after it
// handled the request, which is no earlier than when the request was sent, so counting
// the policy's validity from sent is a bound on this machine's clock whatever the
// service's clock says.
func validUntil(sent time.Time, ttl time.Duration) time.Time {
	return sent.Add(policy.Validity(ttl))
}

// grantedTTL is the TTL the service reports, or asked when it reports none.
func grantedTTL(d *durationpb.Duration, asked time.Duration) time.Duration {
	if d == nil || d.AsDuration() <= 0 {
		return asked
	}
	return d.AsDuration()
}

// checkBaseURL rejects what cannot be a service's base URL, so that a typo shows up at
// New and not as a puzzling error on first use. A URL without a scheme is the usual
// typo ("127.0.0.1:8080"), and url.Parse's own complaint about it does not say so.
func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return driver.Invalid("service URL %q: use http:// or https://, as in http://127.0.0.1:8080", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return driver.Invalid("service URL %q: a query or fragment is not allowed", s)
	}
	return nil
}

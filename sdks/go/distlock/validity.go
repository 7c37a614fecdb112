package distlock

import (
	"net/url"
	"time"

	"github.com/distlock/distlock/core/driver"
	"google.golang.org/protobuf/types/known/durationpb"
)

// validUntil is the local time until which a lease granted or extended for ttl by a
// request sent at sent is certainly held. The service's key expires ttl after it
// handled the request, which is no earlier than when the request was sent, so sent+ttl
// is a bound on this machine's clock whatever the service's clock says. The drift
// allowance is Redlock's: 1% of the TTL plus 2 ms, for clocks running at different rates.
func validUntil(sent time.Time, ttl time.Duration) time.Time {
	return sent.Add(ttl - ttl/100 - 2*time.Millisecond)
}

// grantedTTL is the TTL the service reports, or asked when it reports none.
func grantedTTL(d *durationpb.Duration, asked time.Duration) time.Duration {
	if d == nil || d.AsDuration() <= 0 {
		return asked
	}
	return d.AsDuration()
}

// checkBaseURL rejects what cannot be a service's base URL, so that a typo shows up at
// New and not as a puzzling error on first use.
func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return driver.Invalid("service URL %q: %v", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return driver.Invalid("service URL %q: scheme must be http or https", s)
	}
	if u.Host == "" {
		return driver.Invalid("service URL %q has no host", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return driver.Invalid("service URL %q: a query or fragment is not allowed", s)
	}
	return nil
}

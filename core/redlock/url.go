package redlock

import (
	"crypto/tls"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/distlock/distlock/core/driver"
)

func init() {
	driver.Register("redis", func(service string) (driver.Lessor, error) { return Open(service, false) })
	driver.Register("rediss", func(service string) (driver.Lessor, error) { return Open(service, true) })
}

// Open returns a Client for a service address given without its scheme, as
// [driver.Open] passes it: for "redis://u:p@h1:6379,h2:6379,h3:6379/2?node_timeout=100ms"
// it receives "u:p@h1:6379,h2:6379,h3:6379/2?node_timeout=100ms". useTLS is true for the
// rediss:// scheme: every node is then reached over TLS (TLS 1.2 or later, the system's
// roots, each node's host name verified; a program that cannot pass [WithTLS] can trust a
// private CA through the SSL_CERT_FILE environment variable, which Go reads its roots from).
//
// The address is
//
//	[<user>[:<password>]@]<host>:<port>[,<host>:<port>...][/<db>][?<parameters>]
//
// User and password may be percent-encoded; they apply to every node. IPv6 hosts are
// written in brackets ([::1]:6379). The query parameters are:
//
//   - node_timeout: a duration ("50ms"; a plain integer means seconds), see
//     [WithNodeTimeout]; default TTL/50, within 100 ms and 1 s.
//   - quarantine: a duration, see [WithQuarantine]; "0" disables it; default 10m.
//   - key_prefix: see [WithKeyPrefix]; default "distlock".
//   - skip_verify: "true" skips TLS certificate verification (rediss only; testing only).
//
// Each parameter may appear once. Unknown parameters, a missing or repeated node, a
// port out of range and a bad database number are errors matching
// [driver.ErrInvalidArgument]. Example:
//
//	redis://app:s3cret@10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379/1?node_timeout=100ms&quarantine=15m
//
// is equivalent to
//
//	New([]string{"10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"},
//		WithUsername("app"), WithPassword("s3cret"), WithDB(1),
//		WithNodeTimeout(100*time.Millisecond), WithQuarantine(15*time.Minute))
//
// Options in extra apply after the URL's, so a program can add what a URL cannot carry,
// such as [WithNodeErrorHook] or [WithLogger].
func Open(service string, useTLS bool, extra ...Option) (*Client, error) {
	opts, addrs, err := parseService(service, useTLS)
	if err != nil {
		return nil, err
	}
	return New(addrs, append(opts, extra...)...)
}

func parseService(service string, useTLS bool) ([]Option, []string, error) {
	rest, rawQuery, _ := strings.Cut(service, "?")
	rest, path, hasPath := strings.Cut(rest, "/")
	var opts []Option
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		userinfo := rest[:i]
		rest = rest[i+1:]
		user, pass, hasPass := strings.Cut(userinfo, ":")
		u, err1 := url.PathUnescape(user)
		p, err2 := url.PathUnescape(pass)
		if err1 != nil || err2 != nil {
			return nil, nil, driver.Invalid("redis service: malformed user information")
		}
		if u != "" {
			opts = append(opts, WithUsername(u))
		}
		if hasPass {
			opts = append(opts, WithPassword(p))
		}
	}
	if rest == "" {
		return nil, nil, driver.Invalid("redis service %q names no node", redact(service))
	}
	addrs := strings.Split(rest, ",")
	for _, a := range addrs {
		if err := validateAddr(a); err != nil {
			return nil, nil, err
		}
	}
	if hasPath && path != "" {
		db, err := strconv.Atoi(path)
		if err != nil || db < 0 {
			return nil, nil, driver.Invalid("redis service: invalid database number %q", path)
		}
		opts = append(opts, WithDB(db))
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, nil, driver.Invalid("redis service: malformed query: %v", err)
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	for name, vals := range q {
		if len(vals) != 1 {
			return nil, nil, driver.Invalid("redis service: parameter %q given %d times", name, len(vals))
		}
		v := vals[0]
		switch name {
		case "node_timeout", "quarantine":
			d, err := parseDuration(v)
			if err != nil || d < 0 {
				return nil, nil, driver.Invalid("redis service: %s=%q is not a duration ≥ 0", name, v)
			}
			if name == "node_timeout" {
				opts = append(opts, WithNodeTimeout(d))
			} else {
				opts = append(opts, WithQuarantine(d))
			}
		case "key_prefix":
			if v == "" {
				return nil, nil, driver.Invalid("redis service: key_prefix is empty")
			}
			opts = append(opts, WithKeyPrefix(v))
		case "skip_verify":
			b, err := strconv.ParseBool(v)
			if err != nil || !useTLS {
				return nil, nil, driver.Invalid("redis service: skip_verify=%q needs rediss:// and a boolean", v)
			}
			tlsConf.InsecureSkipVerify = b
		default:
			return nil, nil, driver.Invalid("redis service: unknown parameter %q", name)
		}
	}
	if useTLS {
		// ServerName stays empty: crypto/tls then verifies each node against its own host.
		opts = append(opts, WithTLS(tlsConf))
	}
	return opts, addrs, nil
}

// parseDuration reads a Go duration, or a plain integer as seconds, as go-redis does.
func parseDuration(s string) (time.Duration, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > int64(time.Duration(1<<63-1)/time.Second) || n < 0 {
			return 0, strconv.ErrRange
		}
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(s)
}

// redact drops the user information from a service address for error messages.
func redact(service string) string {
	if i := strings.LastIndexByte(service, '@'); i >= 0 {
		return "…@" + service[i+1:]
	}
	return service
}

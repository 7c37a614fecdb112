package server

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/internal/embedredis"
)

// Config is everything `distlock serve` is told by flags and environment variables.
type Config struct {
	// Listen is the TCP address to listen on; port 0 picks a free port. Without
	// authentication it must be a loopback address unless InsecureNoAuth is set.
	Listen string
	// Auth is the auth file (see internal/auth): with it every call needs a credential
	// and is checked against the file's rules. Empty: no authentication.
	Auth string
	// AuthReloadInterval is how often the auth file is checked for changes.
	AuthReloadInterval time.Duration
	// InsecureNoAuth allows listening on a non-loopback address with no authentication:
	// anyone who can reach the port can then take and read every lock.
	InsecureNoAuth bool
	// AllowedHosts are the Host header values (without port) the server answers; "*"
	// allows any. Empty: the loopback names (see defaultAllowedHosts).
	AllowedHosts []string
	// MaxWaiters caps the Acquires waiting for a held lock at once, server-wide.
	MaxWaiters int
	// Redis is a redis:// or rediss:// URL of the Redis masters to run Redlock over.
	Redis string
	// LockService is a lock service URL whose scheme the server's backends table knows
	// (redis, rediss, memory), such as memory://dev. At most
	// one of Redis and LockService is set; with neither, embedded Redis servers start.
	LockService string
	// TLSCert and TLSKey are PEM files; with both set the server speaks TLS, else h2c.
	TLSCert, TLSKey string
	// TLSClientCA is a PEM file of the CAs whose client certificates authenticate
	// callers (mTLS; see internal/auth). Needs TLS and an auth file.
	TLSClientCA string
	// CORSOrigins are the browser origins allowed to call the service.
	CORSOrigins []string
	// MinTTL, MaxTTL and MaxWait bound what a request may ask for.
	MinTTL, MaxTTL, MaxWait time.Duration
	// LogLevel is the least level logged.
	LogLevel slog.Level
	// ReadyFile, if set, receives the server's base URL once it is listening.
	ReadyFile string
	// Ready, if set, is called with the server's base URL once it is listening (after
	// ReadyFile is written): a caller in the same process awaits it instead of polling
	// a file. No flag sets it.
	Ready func(baseURL string)
	// ShutdownTimeout bounds the graceful shutdown; calls still running then are cut.
	ShutdownTimeout time.Duration
	// WaitLogInterval is how often a waiting Acquire logs its progress; 0 never.
	WaitLogInterval time.Duration
	// UI serves the inspector page at /ui/ (see internal/ui).
	UI bool

	// embeddedStarted, if set, is handed the embedded Redis servers of the development
	// default once they run: this package's tests move their clocks.
	embeddedStarted func([]*embedredis.Server)
}

// envPrefix prefixes the environment variable of every flag: --max-ttl is
// DISTLOCK_MAX_TTL. A flag given on the command line wins over its variable.
const envPrefix = "DISTLOCK_"

func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// ParseConfig reads the serve flags from args and, for flags not given, from the
// environment through lookupEnv (os.LookupEnv in production), then from the file of
// --config (or DISTLOCK_CONFIG), if any: see [applyConfigFile]. Usage and errors go to
// output.
func ParseConfig(args []string, lookupEnv func(string) (string, bool), output io.Writer) (Config, error) {
	var c Config
	var cors, level, hosts string
	fs := flag.NewFlagSet("distlock serve", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&c.Listen, "listen", defaultListen, "`address` to listen on (host:port; port 0 picks a free one); default 127.0.0.1:8080, or :8080 with --auth; without --auth a non-loopback address needs --insecure-no-auth")
	fs.StringVar(&c.Auth, "auth", "", "auth `file` (YAML: tokens, rules, endpoints; see internal/auth); every call then needs a credential. Reloaded on SIGHUP and when it changes")
	fs.DurationVar(&c.AuthReloadInterval, "auth-reload-interval", 2*time.Second, "how often the --auth file is checked for changes")
	fs.BoolVar(&c.InsecureNoAuth, "insecure-no-auth", false, "allow --listen on a non-loopback address with no authentication: anyone who reaches the port can take and read every lock")
	fs.StringVar(&hosts, "allowed-hosts", "", "comma-separated `hosts` (Host header without port) the server answers, or *; default: localhost, 127.0.0.1, ::1 and other loopback addresses (against DNS rebinding)")
	fs.IntVar(&c.MaxWaiters, "max-waiters", connectsvc.DefaultMaxWaiters, "most Acquires waiting for a held lock at once, server-wide; more fail with resource_exhausted")
	fs.StringVar(&c.Redis, "redis", "", "Redis masters to run Redlock over, as a `URL`: redis://h1:6379,h2:6379,h3:6379 (rediss:// for TLS); empty: start three embedded Redis servers (development only)")
	fs.StringVar(&c.LockService, "lock-service", "", "a lock service `URL` instead of --redis: redis://, rediss:// or memory://name")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate `file` (PEM); with --tls-key serves TLS instead of h2c")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS private key `file` (PEM)")
	fs.StringVar(&c.TLSClientCA, "tls-client-ca", "", "CA certificates `file` (PEM): a client certificate they sign authenticates its caller (needs --tls-cert and --auth)")
	fs.StringVar(&cors, "cors-origins", "", "comma-separated browser `origins` allowed to call the service, or *")
	fs.DurationVar(&c.MinTTL, "min-ttl", driver.MinTTL, "shortest TTL a client may ask for (at least 5s)")
	fs.DurationVar(&c.MaxTTL, "max-ttl", driver.MaxTTL, "longest TTL a client may ask for (at most 10m)")
	fs.DurationVar(&c.MaxWait, "max-wait", connectsvc.DefaultMaxWait, "longest one Acquire waits for a held lock")
	fs.StringVar(&level, "log-level", "info", "least `level` logged: debug, info, warn or error")
	fs.BoolVar(&c.UI, "ui", true, "serve the inspector page at /ui/ (held locks, live, and force-release for admins); --ui=false turns it off")
	fs.StringVar(&c.ReadyFile, "ready-file", "", "`file` to write the base URL (e.g. http://127.0.0.1:8080) to once listening")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long a graceful shutdown waits for calls in flight")
	fs.DurationVar(&c.WaitLogInterval, "wait-log-interval", connectsvc.DefaultLongWaitLog, "how often an Acquire still waiting for a held lock logs a progress line (0: never)")
	fs.Usage = func() {
		fmt.Fprintf(output, "Usage: distlock serve [flags]\n\nServes distlock.v1.LockService (Connect, gRPC, gRPC-Web) on one port.\nEvery flag can also be set by its environment variable, e.g. --max-ttl by %s,\nor in the YAML file of --config (max-ttl: 2m); a flag overrides its variable, which overrides the file.\nThe Go garbage collector runs with GOGC=%d unless GOGC is set; GOMEMLIMIT bounds the heap.\n\nFlags:\n", envName("max-ttl"), DefaultGOGC)
		fs.PrintDefaults()
	}
	if err := applyConfigFile(fs, args, lookupEnv); err != nil {
		return Config{}, err
	}

	// Environment first, as if given before the command line, so that flags win.
	var fromEnv []string
	var envErrs []error
	fs.VisitAll(func(f *flag.Flag) {
		if v, ok := lookupEnv(envName(f.Name)); ok {
			fromEnv = append(fromEnv, f.Name)
			if err := fs.Set(f.Name, v); err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s=%q: %w", envName(f.Name), v, err))
			}
		}
	})
	if err := errors.Join(envErrs...); err != nil {
		return Config{}, err
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if c.Auth != "" && !isSet(fs, "listen") {
		c.Listen = ":8080" // with credentials required, every interface is the useful default
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	c.CORSOrigins = splitList(cors)
	c.AllowedHosts = splitList(hosts)
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return Config{}, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	return c, c.validate()
}

// defaultListen is loopback: a server nobody configured must not be reachable from
// other machines.
const defaultListen = "127.0.0.1:8080"

// isSet reports whether a flag was given, on the command line or by its variable.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (c *Config) validate() error {
	switch {
	case c.Redis != "" && c.LockService != "":
		return errors.New("give --redis or --lock-service, not both")
	case c.Redis != "" && !strings.HasPrefix(c.Redis, "redis://") && !strings.HasPrefix(c.Redis, "rediss://"):
		return fmt.Errorf("--redis %q: want a redis:// or rediss:// URL", redact(c.Redis))
	case (c.TLSCert == "") != (c.TLSKey == ""):
		return errors.New("--tls-cert and --tls-key go together")
	case c.MinTTL < driver.MinTTL || c.MaxTTL > driver.MaxTTL || c.MinTTL > c.MaxTTL:
		return fmt.Errorf("--min-ttl %v and --max-ttl %v must satisfy %v <= min <= max <= %v",
			c.MinTTL, c.MaxTTL, driver.MinTTL, driver.MaxTTL)
	case c.MaxWait < 0:
		return fmt.Errorf("--max-wait %v is negative", c.MaxWait)
	case c.ShutdownTimeout <= 0:
		return fmt.Errorf("--shutdown-timeout %v must be positive", c.ShutdownTimeout)
	case c.TLSClientCA != "" && (c.TLSCert == "" || c.Auth == ""):
		return errors.New("--tls-client-ca needs --tls-cert (client certificates travel in TLS) and --auth (rules for their principals)")
	case c.Auth != "" && c.InsecureNoAuth:
		return errors.New("--auth and --insecure-no-auth contradict each other")
	case c.Auth != "" && slices.Contains(c.CORSOrigins, "*"):
		return errors.New("--cors-origins * with --auth would let any web page call with a token its browser holds; name the origins")
	case c.AuthReloadInterval <= 0:
		return fmt.Errorf("--auth-reload-interval %v must be positive", c.AuthReloadInterval)
	case c.MaxWaiters < 1:
		return fmt.Errorf("--max-waiters %d must be at least 1", c.MaxWaiters)
	}
	return c.checkExposure()
}

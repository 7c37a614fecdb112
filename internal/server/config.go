package server

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/driver"
)

// Config is everything `distlock serve` is told by flags and environment variables.
type Config struct {
	// Listen is the TCP address to listen on; port 0 picks a free port.
	Listen string
	// Redis is a redis:// or rediss:// URL of the Redis masters to run Redlock over.
	Redis string
	// LockService is a lock service URL whose scheme the server's backends table knows
	// (redis, rediss, memory), such as memory://dev. At most
	// one of Redis and LockService is set; with neither, embedded Redis servers start.
	LockService string
	// TLSCert and TLSKey are PEM files; with both set the server speaks TLS, else h2c.
	TLSCert, TLSKey string
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
}

// envPrefix prefixes the environment variable of every flag: --max-ttl is
// DISTLOCK_MAX_TTL. A flag given on the command line wins over its variable.
const envPrefix = "DISTLOCK_"

func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// ParseConfig reads the serve flags from args and, for flags not given, from the
// environment through lookupEnv (os.LookupEnv in production). Usage and errors go to
// output.
func ParseConfig(args []string, lookupEnv func(string) (string, bool), output io.Writer) (Config, error) {
	var c Config
	var cors, level string
	fs := flag.NewFlagSet("distlock serve", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&c.Listen, "listen", ":8080", "`address` to listen on (host:port; port 0 picks a free one)")
	fs.StringVar(&c.Redis, "redis", "", "Redis masters to run Redlock over, as a `URL`: redis://h1:6379,h2:6379,h3:6379 (rediss:// for TLS); empty: start three embedded Redis servers (development only)")
	fs.StringVar(&c.LockService, "lock-service", "", "a lock service `URL` instead of --redis: redis://, rediss:// or memory://name")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate `file` (PEM); with --tls-key serves TLS instead of h2c")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS private key `file` (PEM)")
	fs.StringVar(&cors, "cors-origins", "", "comma-separated browser `origins` allowed to call the service, or *")
	fs.DurationVar(&c.MinTTL, "min-ttl", driver.MinTTL, "shortest TTL a client may ask for (at least 5s)")
	fs.DurationVar(&c.MaxTTL, "max-ttl", driver.MaxTTL, "longest TTL a client may ask for (at most 10m)")
	fs.DurationVar(&c.MaxWait, "max-wait", connectsvc.DefaultMaxWait, "longest one Acquire waits for a held lock")
	fs.StringVar(&level, "log-level", "info", "least `level` logged: debug, info, warn or error")
	fs.StringVar(&c.ReadyFile, "ready-file", "", "`file` to write the base URL (e.g. http://127.0.0.1:8080) to once listening")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long a graceful shutdown waits for calls in flight")
	fs.DurationVar(&c.WaitLogInterval, "wait-log-interval", connectsvc.DefaultLongWaitLog, "how often an Acquire still waiting for a held lock logs a progress line (0: never)")
	fs.Usage = func() {
		fmt.Fprintf(output, "Usage: distlock serve [flags]\n\nServes distlock.v1.LockService (Connect, gRPC, gRPC-Web) on one port.\nEvery flag can also be set by its environment variable, e.g. --max-ttl by %s.\nThe Go garbage collector runs with GOGC=%d unless GOGC is set; GOMEMLIMIT bounds the heap.\n\nFlags:\n", envName("max-ttl"), DefaultGOGC)
		fs.PrintDefaults()
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
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if cors != "" {
		for o := range strings.SplitSeq(cors, ",") {
			if o = strings.TrimSpace(o); o != "" {
				c.CORSOrigins = append(c.CORSOrigins, o)
			}
		}
	}
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return Config{}, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	return c, c.validate()
}

func (c *Config) validate() error {
	switch {
	case c.Redis != "" && c.LockService != "":
		return errors.New("give --redis or --lock-service, not both")
	case c.Redis != "" && !strings.HasPrefix(c.Redis, "redis://") && !strings.HasPrefix(c.Redis, "rediss://"):
		return fmt.Errorf("--redis %q: want a redis:// or rediss:// URL", c.Redis)
	case (c.TLSCert == "") != (c.TLSKey == ""):
		return errors.New("--tls-cert and --tls-key go together")
	case c.MinTTL < driver.MinTTL || c.MaxTTL > driver.MaxTTL || c.MinTTL > c.MaxTTL:
		return fmt.Errorf("--min-ttl %v and --max-ttl %v must satisfy %v <= min <= max <= %v",
			c.MinTTL, c.MaxTTL, driver.MinTTL, driver.MaxTTL)
	case c.MaxWait < 0:
		return fmt.Errorf("--max-wait %v is negative", c.MaxWait)
	case c.ShutdownTimeout <= 0:
		return fmt.Errorf("--shutdown-timeout %v must be positive", c.ShutdownTimeout)
	}
	return nil
}

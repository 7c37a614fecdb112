// Package server is `distlock serve`: it parses the flags, opens the lock service (real
// Redis, any core URL, or embedded Redis servers for development), and serves
// [connectsvc.Service] on one port over h2c or TLS until its context ends, then shuts down
// gracefully.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/internal/auth"
	"github.com/distlock/distlock/internal/tracing"
)

// http.Server timeouts. Writes must outlast the longest Acquire wait, so WriteTimeout is
// derived from --max-wait (see newHTTPServer).
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	writeSlack        = 30 * time.Second
	maxHeaderBytes    = 64 << 10
)

// Run serves until ctx is done, then drains and shuts down: waiting Acquires end with
// unavailable, calls in flight get up to c.ShutdownTimeout to finish, and the lock service
// connections (and embedded Redis servers) are closed. Logs are JSON lines on logOutput.
// It returns nil after a clean shutdown.
func Run(ctx context.Context, c Config, logOutput io.Writer) (err error) {
	logger := newLogger(logOutput, c.LogLevel)

	// The lessor reports node errors to the service's metrics, but the service needs the
	// lessor first: the hook looks the service up when it fires.
	var svcRef atomic.Pointer[connectsvc.Service]
	onNodeError := func(node string, err error) {
		if s := svcRef.Load(); s != nil {
			s.NodeError(node, err)
		}
	}
	tr, err := tracing.FromEnv(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, shutdownTracing(ctx, tr, c.ShutdownTimeout)) }()
	interceptors, err := tr.Interceptors()
	if err != nil {
		return err
	}
	be, err := openBackend(c, hooks{logger: logger, onNodeError: onNodeError, nodeTracer: tr.NodeTracer()})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, be.close()) }()

	var guard []connectsvc.Option
	var authority *auth.Authority
	if c.Auth != "" {
		if authority, err = auth.New(c.Auth, logger); err != nil {
			return err
		}
		guard = append(guard, connectsvc.WithGuard(authority), connectsvc.WithCollectors(authority.Collectors()...))
	}
	svc := connectsvc.New(be.lessor, append(guard,
		connectsvc.WithTTLBounds(c.MinTTL, c.MaxTTL),
		connectsvc.WithMaxWait(c.MaxWait),
		connectsvc.WithLogger(logger),
		connectsvc.WithCORSOrigins(c.CORSOrigins...),
		connectsvc.WithLongWaitLog(c.WaitLogInterval),
		connectsvc.WithMaxWaiters(c.MaxWaiters),
		connectsvc.WithInterceptors(interceptors...),
		// Streams must end with their lost event before the shutdown cuts connections.
		connectsvc.WithStreamDrainGrace(min(connectsvc.DefaultStreamDrainGrace, c.ShutdownTimeout/2)),
	)...)
	svcRef.Store(svc)

	if c.InsecureNoAuth && !isLoopbackListen(c.Listen) {
		logger.Warn("INSECURE: --insecure-no-auth: listening on "+c.Listen+" with no authentication. "+
			"Anyone who can reach this port can take, hold and read every lock. Hosts answered: "+
			"--allowed-hosts (default: loopback names and the --listen host).", "listen", c.Listen)
	}
	var h http.Handler
	if authority == nil {
		h = svc.Handler()
	} else {
		h = svc.HandlerWith(authority.Middleware)
		stop := watchAuth(ctx, authority, c.AuthReloadInterval)
		defer stop()
	}
	h = withUI(c, h)
	h = withWhoami(authority, h)
	h = newHostGuard(c.AllowedHosts, c.Listen, authority != nil, liftStreamDeadlines(h))
	srv, ln, baseURL, err := listen(c, h, logger)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	if c.ReadyFile != "" {
		if err := writeReadyFile(c.ReadyFile, baseURL); err != nil {
			_ = srv.Close()
			<-served
			return err
		}
		defer os.Remove(c.ReadyFile)
	}
	if c.Ready != nil {
		c.Ready(baseURL)
	}
	logger.Info("distlock serving", "url", baseURL, "lock_service", be.describe,
		"tls", c.TLSCert != "", "auth", c.Auth, "cors_origins", c.CORSOrigins, "allowed_hosts", c.AllowedHosts,
		"min_ttl", c.MinTTL.String(), "max_ttl", c.MaxTTL.String(), "max_wait", c.MaxWait.String(),
		"tracing", tr.On(), "gomaxprocs", runtime.GOMAXPROCS(0))

	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}

	logger.Info("shutting down: draining calls in flight", "timeout", c.ShutdownTimeout.String())
	svc.Drain()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Warn("graceful shutdown timed out; closing the remaining connections", "error", err.Error())
		_ = srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	logger.Info("shut down")
	return nil
}

// listen opens the listening socket and configures the server for h2c, or for TLS when a
// certificate is given. It returns the base URL clients use to reach it.
func listen(c Config, h http.Handler, logger *slog.Logger) (*http.Server, net.Listener, string, error) {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      c.MaxWait + writeSlack,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		Protocols:         new(http.Protocols),
	}
	srv.Protocols.SetHTTP1(true)
	scheme := "http"
	if c.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, nil, "", fmt.Errorf("loading --tls-cert/--tls-key: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
			NextProtos: []string{"h2", "http/1.1"}}
		if c.TLSClientCA != "" {
			pool, err := loadCAs(c.TLSClientCA)
			if err != nil {
				return nil, nil, "", err
			}
			// Asked for, not required: callers may use a bearer token instead; a
			// certificate that is given must verify, or the handshake fails.
			srv.TLSConfig.ClientCAs = pool
			srv.TLSConfig.ClientAuth = tls.VerifyClientCertIfGiven
		}
		srv.Protocols.SetHTTP2(true)
		scheme = "https"
	} else {
		// gRPC needs HTTP/2; without TLS that is h2c (prior knowledge).
		srv.Protocols.SetUnencryptedHTTP2(true)
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return nil, nil, "", fmt.Errorf("listening on %s: %w", c.Listen, err)
	}
	if srv.TLSConfig != nil {
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	return srv, ln, scheme + "://" + dialAddr(ln.Addr()), nil
}

// dialAddr turns a listening address into one a local client can dial: an unspecified
// host (":8080", "[::]:8080") becomes 127.0.0.1.
func dialAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
}

// writeReadyFile writes the base URL atomically, so that a reader polling for the file
// never sees it half written.
func writeReadyFile(path, baseURL string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ready-*")
	if err != nil {
		return fmt.Errorf("--ready-file: %w", err)
	}
	_, werr := tmp.WriteString(baseURL) // no newline: readers use the content as is
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("--ready-file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("--ready-file: %w", err)
	}
	return nil
}

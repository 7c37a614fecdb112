package connectsvc

import (
	"math"
	"net/http"
	"slices"
	"strings"

	"connectrpc.com/connect"
	connectcors "connectrpc.com/cors"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"github.com/rs/cors"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
)

// compressMinBytes is the smallest response the service compresses for clients that
// accept gzip.
const compressMinBytes = 1024

// corsMaxAge is how long, in seconds, browsers may cache a preflight answer.
const corsMaxAge = 2 * 60 * 60

// Handler returns the http.Handler that serves, on one port and path space:
//   - distlock.v1.LockService over Connect (JSON and binary; GET for Info and Read),
//     gRPC and gRPC-Web;
//   - grpc.health.v1.Health, SERVING while a trusted quorum of the lock service's nodes
//     answers (see [WithHealthChecker]) until [Service.Drain];
//   - liveness at GET /healthz (200 while serving) and readiness at GET /readyz (200 or
//     503, with a JSON report of every node: down, quarantined and until when);
//   - server reflection (v1 and v1alpha), so buf curl and grpcurl need no schema files;
//   - Prometheus metrics at GET /metrics;
//   - CORS for the origins of [WithCORSOrigins], if any; the Authorization header is
//     allowed only when no origin is "*".
//
// A request body is cut as soon as it passes the read limit of [WithReadMaxBytes] (for
// Batch, the client policy's max_batch_bytes), and a compressed message stops inflating
// there.
//
// HTTP/2 without TLS (h2c), which gRPC needs, is up to the http.Server.
func (s *Service) Handler() http.Handler {
	return s.HandlerWith(nil)
}

// HandlerWith is [Service.Handler] with wrap (if not nil) around everything but CORS, so
// that an answer wrap writes itself (an authentication middleware's unauthenticated)
// still carries the CORS headers a browser needs to read it: without them a page sees
// only a network error.
func (s *Service) HandlerWith(wrap func(http.Handler) http.Handler) http.Handler {
	mux := http.NewServeMux()
	lockPath, lock := distlockv1connect.NewLockServiceHandler(s, s.handlerOptions(s.cfg.readMaxBytes, s.observe())...)
	lock = s.watchRefusals(lock)
	mux.Handle(lockPath, lock)
	limits := []connect.HandlerOption{connect.WithReadMaxBytes(s.cfg.readMaxBytes), gzipWithLimit(s.cfg.readMaxBytes)}
	mux.Handle(grpchealth.NewHandler(s.ready, limits...))
	reflector := grpcreflect.NewStaticReflector(distlockv1connect.LockServiceName, grpchealth.HealthV1ServiceName)
	mux.Handle(grpcreflect.NewHandlerV1(reflector, limits...))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector, limits...))
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("GET "+LivenessPath, s.serveLiveness)
	mux.HandleFunc("GET "+ReadinessPath, s.serveReadiness)
	var h http.Handler = limitBody(s.cfg.readMaxBytes, lockFirst{
		svc: s, prefix: lockPath, lock: lock, rest: mux,
		acquire: distlockv1connect.LockServiceAcquireProcedure,
		batch:   s.watchRefusals(s.batchHandler()),
	})
	if wrap != nil {
		h = wrap(h)
	}
	if len(s.cfg.corsOrigins) == 0 {
		return h
	}
	return cors.New(cors.Options{
		AllowedOrigins: s.cfg.corsOrigins,
		AllowedMethods: connectcors.AllowedMethods(),
		AllowedHeaders: corsAllowedHeaders(s.cfg.corsOrigins),
		ExposedHeaders: connectcors.ExposedHeaders(),
		MaxAge:         corsMaxAge,
	}).Handler(h)
}

// handlerOptions are the LockService handlers' options, with a read limit of readMax
// bytes per request message and observe (the unary calls' interceptor, or Batch's).
func (s *Service) handlerOptions(readMax int, observe connect.Interceptor) []connect.HandlerOption {
	opts := []connect.HandlerOption{
		connect.WithInterceptors(append(slices.Clip(s.cfg.interceptors), observe, markStreams{})...),
		connect.WithRecover(s.recoverPanic),
		connect.WithReadMaxBytes(readMax),
		// Most answers are a few dozen bytes, for which gzip costs more CPU than it saves
		// bytes; only large Read payloads and Batch results are worth compressing.
		connect.WithCompressMinBytes(compressMinBytes),
		gzipWithLimit(readMax),
	}
	for _, c := range strictJSONCodecs {
		opts = append(opts, connect.WithCodec(c))
	}
	return opts
}

// batchHandler serves Batch on its own, with the client policy's max_batch_bytes as its
// read limit instead of the per-message limit of the other procedures: a batch is many
// requests in one message. Its results are never compressed: they are mostly random
// lease tokens and gzip halves them at best (30 acquires: 2,658 → 1,180 bytes; 1,000:
// 90,760 → 34,690) for more CPU than the bytes cost to send below a WAN (1,000 results:
// 1.6 ms to compress, 0.45 ms to send the difference at 1 Gbit/s); on the SDKs' coalesced
// path gzip was 6 % of client and service CPU.
func (s *Service) batchHandler() http.Handler {
	method := distlockv1.File_distlock_v1_lock_proto.Services().ByName("LockService").Methods().ByName("Batch")
	opts := append(s.handlerOptions(distlockv1policy.MaxBatchBytes, observeBatch{s}),
		connect.WithSchema(method), connect.WithCompressMinBytes(math.MaxInt))
	return connect.NewServerStreamHandler(distlockv1connect.LockServiceBatchProcedure, s.Batch, opts...)
}

// corsAllowedHeaders are the request headers browsers may send: Connect's, plus
// Authorization when every origin is named. A wildcard origin never gets it, so that no
// page on the web can make a browser send a bearer token it holds for this service.
func corsAllowedHeaders(origins []string) []string {
	headers := connectcors.AllowedHeaders()
	if slices.Contains(origins, "*") {
		return headers
	}
	return append(headers, "Authorization")
}

// lockFirst sends the LockService's calls straight to its handler and everything else
// through the mux. The mux would route them to the same handler, but its pattern matching
// costs CPU and allocations on every call, and these calls are nearly all the traffic.
// Acquire goes through [Service.guardGrant], Batch to its own handler with its flushes
// watched.
type lockFirst struct {
	svc             *Service
	prefix, acquire string
	lock, batch     http.Handler
	rest            *http.ServeMux
}

func (h lockFirst) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == h.acquire:
		h.svc.guardGrant(h.lock, w, r)
	case r.URL.Path == distlockv1connect.LockServiceBatchProcedure:
		serveBatch(h.batch, w, r)
	case strings.HasPrefix(r.URL.Path, h.prefix):
		h.lock.ServeHTTP(w, r)
	default:
		h.rest.ServeHTTP(w, r)
	}
}

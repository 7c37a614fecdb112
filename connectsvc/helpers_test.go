package connectsvc_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"go.uber.org/goleak"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/memory"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// spy wraps a Lessor, counts the calls that reach it and can replace their outcome.
type spy struct {
	driver.Lessor
	mu    sync.Mutex
	calls map[string]int
	waits []time.Duration
	// acquire, if set, runs instead of the wrapped Lessor's Acquire.
	acquire func(ctx context.Context, resource string, o driver.LeaseOptions) (driver.Lease, error)
	// fail, if set, is returned by every method instead of calling the wrapped Lessor.
	fail error
	// panicWith, if set, makes every method panic with it.
	panicWith any
	// released, if set, receives a value after each Release.
	released chan error
}

func (s *spy) record(method string) error {
	s.mu.Lock()
	if s.calls == nil {
		s.calls = map[string]int{}
	}
	s.calls[method]++
	p, err := s.panicWith, s.fail
	s.mu.Unlock()
	if p != nil {
		panic(p)
	}
	return err
}

// set changes the spy's behaviour under its lock, as handlers read it concurrently.
func (s *spy) set(f func(*spy)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (s *spy) called(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

func (s *spy) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		n += c
	}
	return n
}

func (s *spy) Acquire(ctx context.Context, resource string, o driver.LeaseOptions) (driver.Lease, error) {
	if err := s.record("Acquire"); err != nil {
		return driver.Lease{}, err
	}
	s.mu.Lock()
	s.waits = append(s.waits, o.Wait)
	acquire := s.acquire
	s.mu.Unlock()
	if acquire != nil {
		return acquire(ctx, resource, o)
	}
	return s.Lessor.Acquire(ctx, resource, o)
}

func (s *spy) Extend(ctx context.Context, l driver.Lease, ttl time.Duration) (driver.Lease, error) {
	if err := s.record("Extend"); err != nil {
		return driver.Lease{}, err
	}
	return s.Lessor.Extend(ctx, l, ttl)
}

func (s *spy) Release(ctx context.Context, l driver.Lease) error {
	if err := s.record("Release"); err != nil {
		return err
	}
	err := s.Lessor.Release(ctx, l)
	s.mu.Lock()
	ch := s.released
	s.mu.Unlock()
	if ch != nil {
		ch <- err
	}
	return err
}

func (s *spy) Info(ctx context.Context, resource string) (driver.Info, error) {
	if err := s.record("Info"); err != nil {
		return driver.Info{}, err
	}
	return s.Lessor.Info(ctx, resource)
}

func (s *spy) Read(ctx context.Context, resource string) ([]byte, error) {
	if err := s.record("Read"); err != nil {
		return nil, err
	}
	return s.Lessor.Read(ctx, resource)
}

// env is a service over a spied lessor, served by an httptest server speaking HTTP/1.1
// and h2c, as `distlock serve` does.
type env struct {
	svc   *connectsvc.Service
	spy   *spy
	url   string
	http1 *http.Client // HTTP/1.1, as curl and browsers without TLS speak
	h2c   *http.Client // HTTP/2 with prior knowledge, which gRPC needs
	// methods records the HTTP method of every request, by path.
	mu      sync.Mutex
	methods map[string][]string
	// served receives the path of each request the handler has finished serving.
	served chan string
}

func newEnv(t testing.TB, backend driver.Lessor, opts ...connectsvc.Option) *env {
	t.Helper()
	if backend == nil {
		store := memory.New()
		t.Cleanup(func() { store.Close() })
		backend = store
	}
	e := &env{spy: &spy{Lessor: backend}, methods: map[string][]string{}, served: make(chan string, 64)}
	e.svc = connectsvc.New(e.spy, opts...)
	h := e.svc.Handler()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.methods[r.URL.Path] = append(e.methods[r.URL.Path], r.Method)
		e.mu.Unlock()
		h.ServeHTTP(w, r)
		select {
		case e.served <- r.URL.Path:
		default:
		}
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	e.url = srv.URL

	h1 := &http.Transport{}
	h2 := &http.Transport{Protocols: new(http.Protocols)}
	h2.Protocols.SetUnencryptedHTTP2(true)
	e.http1 = &http.Client{Transport: h1}
	e.h2c = &http.Client{Transport: h2}
	t.Cleanup(func() {
		h1.CloseIdleConnections()
		h2.CloseIdleConnections()
		srv.Close()
	})
	return e
}

func (e *env) httpMethods(path string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.methods[path]...)
}

// protocol is one way a client reaches the service.
type protocol struct {
	name string
	opts []connect.ClientOption
	h2c  bool
	get  bool // Info and Read travel as HTTP GET
}

var protocols = []protocol{
	{name: "connect-binary"},
	{name: "connect-json", opts: []connect.ClientOption{connect.WithProtoJSON()}},
	{name: "connect-json-get", opts: []connect.ClientOption{connect.WithProtoJSON(), connect.WithHTTPGet()}, get: true},
	{name: "connect-binary-get", opts: []connect.ClientOption{connect.WithHTTPGet()}, get: true},
	{name: "grpc", opts: []connect.ClientOption{connect.WithGRPC()}, h2c: true},
	{name: "grpc-web", opts: []connect.ClientOption{connect.WithGRPCWeb()}},
	{name: "grpc-web-json", opts: []connect.ClientOption{connect.WithGRPCWeb(), connect.WithProtoJSON()}},
}

func (e *env) client(p protocol) distlockv1connect.LockServiceClient {
	hc := e.http1
	if p.h2c {
		hc = e.h2c
	}
	return distlockv1connect.NewLockServiceClient(hc, e.url, p.opts...)
}

// wantCode fails the test unless err carries code.
func wantCode(t *testing.T, err error, code connect.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", code)
	}
	if got := connect.CodeOf(err); got != code {
		t.Fatalf("got %v (%v), want %v", got, err, code)
	}
}

// logSink is a slog handler that sends each record's message and attributes, as text,
// to a channel, so that tests can wait for a log line instead of sleeping.
type logSink struct {
	lines chan string
	mu    *sync.Mutex
	all   *[]string
}

func newLogSink() *logSink {
	return &logSink{lines: make(chan string, 1024), mu: new(sync.Mutex), all: new([]string)}
}

func (s *logSink) Enabled(context.Context, slog.Level) bool { return true }
func (s *logSink) WithAttrs([]slog.Attr) slog.Handler       { return s }
func (s *logSink) WithGroup(string) slog.Handler            { return s }
func (s *logSink) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	s.mu.Lock()
	*s.all = append(*s.all, b.String())
	s.mu.Unlock()
	select {
	case s.lines <- b.String():
	default:
	}
	return nil
}

func (s *logSink) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(*s.all, "\n")
}

func slogNew(h slog.Handler) *slog.Logger { return slog.New(h) }

func withLogs(s *logSink) connectsvc.Option { return connectsvc.WithLogger(slog.New(s)) }

func withCORS(origins ...string) connectsvc.Option { return connectsvc.WithCORSOrigins(origins...) }

// do sends req and returns the status and body.
func do(t *testing.T, c *http.Client, req *http.Request) (int, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// jsonField returns a top-level string field of a JSON object.
func jsonField(t *testing.T, body, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	s, _ := m[name].(string)
	return s
}

package runner

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
)

// proxy stands between one named client and the service. It lets the runner pause that
// client's renewals (its Extend calls fail with unavailable, as when the service cannot
// be reached), count its successful Extends (renewals happen in the SDK, out of the
// runner's sight otherwise), and keep one URL for the client while the service restarts
// on another port. It speaks HTTP/1.1 and h2c, for SDKs that use either.
type proxy struct {
	client string
	paused atomic.Bool
	// holdMu guards hold: while it is not nil, Extend requests wait in the proxy until
	// it is closed (or their caller gives up), as if the service were very slow.
	holdMu   sync.Mutex
	hold     chan struct{}
	onHeld   func(client string)
	srv      *http.Server
	ln       net.Listener
	rp       *httputil.ReverseProxy
	h2       *httputil.ReverseProxy
	upstream func() string
	// onExtend is called after each successful Extend, onSent before each Extend.
	onExtend, onSent func(client string)
}

func startProxy(client string, upstream func() string, onExtend, onSent, onHeld func(string)) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{client: client, ln: ln, upstream: upstream, onExtend: onExtend, onSent: onSent, onHeld: onHeld}
	h1 := &http.Transport{Proxy: nil, DisableCompression: true}
	h2 := &http.Transport{Proxy: nil, DisableCompression: true, Protocols: new(http.Protocols)}
	h2.Protocols.SetUnencryptedHTTP2(true)
	p.rp = p.reverse(h1)
	p.h2 = p.reverse(h2)
	protos := new(http.Protocols)
	protos.SetHTTP1(true)
	protos.SetUnencryptedHTTP2(true)
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), Protocols: protos}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

func (p *proxy) reverse(t http.RoundTripper) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Transport: t,
		Rewrite: func(r *httputil.ProxyRequest) {
			u, err := url.Parse(p.upstream())
			if err == nil {
				r.SetURL(u)
			}
			r.Out.Host = r.In.Host
		},
		// The service is down (restarting): answer as an unreachable service would look
		// to an SDK, with unavailable.
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			unavailable(w, r, "conformance proxy: service unreachable: "+err.Error())
		},
		FlushInterval: -1,
	}
}

func (p *proxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *proxy) serve(w http.ResponseWriter, r *http.Request) {
	extend := strings.HasSuffix(r.URL.Path, "/Extend")
	if extend {
		p.onSent(p.client)
	}
	if extend {
		if held := p.holding(); held != nil {
			p.onHeld(p.client)
			select {
			case <-held:
			case <-r.Context().Done():
				return // the caller gave up on this renewal
			}
		}
	}
	if extend && p.paused.Load() {
		unavailable(w, r, "conformance proxy: renewal paused by the runner")
		return
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	if r.ProtoMajor == 2 {
		p.h2.ServeHTTP(rec, r)
	} else {
		p.rp.ServeHTTP(rec, r)
	}
	if extend && rec.status == http.StatusOK && grpcOK(w.Header()) {
		p.onExtend(p.client)
	}
}

// setHold starts (true) or ends (false) holding Extend requests.
func (p *proxy) setHold(on bool) {
	p.holdMu.Lock()
	defer p.holdMu.Unlock()
	switch {
	case on && p.hold == nil:
		p.hold = make(chan struct{})
	case !on && p.hold != nil:
		close(p.hold)
		p.hold = nil
	}
}

func (p *proxy) holding() <-chan struct{} {
	p.holdMu.Lock()
	defer p.holdMu.Unlock()
	return p.hold
}

func (p *proxy) close() {
	p.setHold(false)
	_ = p.srv.Close()
}

// grpcOK reports whether a gRPC response's status (in headers or trailers) is OK; for
// Connect and HTTP JSON, which carry no grpc-status, it is true.
func grpcOK(h http.Header) bool {
	for _, k := range []string{"Grpc-Status", http.TrailerPrefix + "Grpc-Status"} {
		if v := h.Get(k); v != "" && v != "0" {
			return false
		}
	}
	return true
}

// unavailable writes an "unavailable" error in the protocol the request used: gRPC and
// gRPC-Web as a trailers-only response with status 14, Connect and plain JSON as HTTP 503
// with a Connect error body.
func unavailable(w http.ResponseWriter, r *http.Request, msg string) {
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/grpc") {
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Grpc-Status", "14")
		w.Header().Set("Grpc-Message", url.PathEscape(msg))
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusServiceUnavailable)
	b, _ := json.Marshal(map[string]string{"code": "unavailable", "message": msg})
	_, _ = w.Write(b)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Flush passes flushes through, for streaming (none today, but FlushInterval asks).
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"
)

// proxy stands between one named client and the service. Its rules (set by steps) fail,
// hold or rewrite the client's calls of an RPC, as an unreachable, slow, unauthorising
// or capped service would; it counts the client's calls (renewals happen in the SDK, out
// of the runner's sight otherwise); and it keeps one URL for the client while the
// service restarts on another port. It speaks HTTP/1.1 and h2c, for SDKs that use either.
type proxy struct {
	client   string
	rules    rules
	srv      *http.Server
	ln       net.Listener
	rp       *httputil.ReverseProxy
	h2       *httputil.ReverseProxy
	watch    *httputil.ReverseProxy
	upstream func() string
	// header is added to every call passed on (credentials for the service).
	header http.Header
	// note counts an event on the running case's board.
	note func(key string)
	// streams are the client's streaming calls in flight.
	streams openStreams
}

func startProxy(client string, upstream func() string, header http.Header, note func(string)) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{client: client, ln: ln, upstream: upstream, header: header, note: note}
	p.rp = p.reverse(&http.Transport{Proxy: nil, DisableCompression: true})
	p.h2 = p.reverse(h2cTransport(nil))
	p.watch = p.reverse(h2cTransport(&http.HTTP2Config{MaxReceiveBufferPerStream: watchWindow}))
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
			for k, v := range p.header {
				r.Out.Header[k] = v
			}
		},
		// The service is down (restarting): answer as an unreachable service would look
		// to an SDK, with unavailable.
		ModifyResponse: func(res *http.Response) error {
			method := path.Base(res.Request.URL.Path)
			if method == "Hold" && res.StatusCode == http.StatusOK {
				p.tapHold(res)
			}
			if slices.Contains(streamRPCs, method) {
				p.stallable(method, res) // outside the tap: it counts what the service sent
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			writeError(w, r, "unavailable", "conformance proxy: service unreachable: "+err.Error())
		},
		FlushInterval: -1,
		ErrorLog:      log.New(os.Stderr, "conformance proxy of client "+p.client+": ", log.LstdFlags),
	}
}

func (p *proxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *proxy) serve(w http.ResponseWriter, r *http.Request) {
	method := path.Base(r.URL.Path) // "Acquire", "Extend", …
	p.note(callKey(method, p.client, "sent"))
	d := p.rules.decide(method)
	if d.hold != nil {
		p.note(callKey(method, p.client, "held"))
		select {
		case <-d.hold:
		case <-r.Context().Done():
			return // the caller gave up on this call
		}
	}
	if d.fail != "" {
		writeError(w, r, d.fail, "conformance proxy: "+d.fail+" injected by the runner")
		return
	}
	if err := readBody(r); err != nil {
		return // the caller is gone
	}
	if d.capWait > 0 && method == "Acquire" {
		if err := capWait(r, d.capWait); err != nil {
			writeError(w, r, "internal", "conformance proxy: "+err.Error())
			return
		}
	}
	if slices.Contains(streamRPCs, method) {
		// Cut-able by a step: cancelling the call's context aborts it on both sides.
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		defer p.streams.remove(p.streams.add(method, cancel))
		r = r.WithContext(ctx)
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	switch {
	case method == "Watch":
		p.watch.ServeHTTP(rec, r)
	case r.ProtoMajor == 2:
		p.h2.ServeHTTP(rec, r)
	default:
		p.rp.ServeHTTP(rec, r)
	}
	if rec.status == http.StatusOK && grpcOK(w.Header()) {
		p.note(callKey(method, p.client, "ok"))
	}
}

// readBody reads the request's body before the call is passed on, and passes on that
// copy. Left to the transport, the body is read while the answer is already coming
// back, and an HTTP/1 server then takes the body from under it: it consumes and closes
// the rest of a request body once the response's headers are written (net/http's
// chunkWriter.writeHeader), which the reverse proxy does as soon as the service answers,
// possibly before the transport's last read (for EOF). That read fails
// (ErrBodyReadAfterClose), the transport closes its connection to the service under the
// response being copied ("use of closed network connection"), and the client gets a
// truncated answer ("unexpected EOF"). Full duplex would keep the server off the body,
// but then the transport's last read may outlive the handler and race the server's read
// of the next request ("invalid concurrent Body.Read call"). Every RPC of the service
// takes one request message, small and complete before any answer, so reading it first
// costs nothing.
func readBody(r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
	r.TransferEncoding = nil
	return nil
}

func (p *proxy) close() {
	p.rules.clear()
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

// httpStatus and grpcStatus are the HTTP status (Connect) and gRPC status number of
// each code the proxy injects.
var (
	httpStatus = map[string]int{"unavailable": 503, "permission_denied": 403, "unauthenticated": 401,
		"deadline_exceeded": 504, "internal": 500, "not_found": 404, "aborted": 409, "invalid_argument": 400}
	grpcStatus = map[string]string{"unavailable": "14", "permission_denied": "7", "unauthenticated": "16",
		"deadline_exceeded": "4", "internal": "13", "not_found": "5", "aborted": "10", "invalid_argument": "3"}
)

// writeError writes an error in the protocol the request used: gRPC and gRPC-Web as a
// trailers-only response, a Connect stream as an end-of-stream message, Connect unary and
// plain JSON as an HTTP error with a Connect error body.
func writeError(w http.ResponseWriter, r *http.Request, code, msg string) {
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/grpc") {
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Grpc-Status", grpcStatus[code])
		w.Header().Set("Grpc-Message", url.PathEscape(msg))
		w.WriteHeader(http.StatusOK)
		return
	}
	if strings.HasPrefix(ct, "application/connect+") {
		// A Connect stream (Hold, Watch) answers as the service does: 200 in the
		// request's codec and an end-of-stream message, always JSON, with the error.
		b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": msg}})
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(append([]byte{0x02, byte(len(b) >> 24), byte(len(b) >> 16), byte(len(b) >> 8), byte(len(b))}, b...))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus[code])
	b, _ := json.Marshal(map[string]string{"code": code, "message": msg})
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

// Flush passes flushes through, for streaming responses (Hold, Watch).
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

package runner

import "net/http"

// watchWindow is the HTTP/2 flow-control window the proxy gives each Watch stream
// towards the service (h2cTransport).
const watchWindow = 4 << 10

// h2cTransport speaks HTTP/2 without TLS to the service. Watch calls go through one with
// a small per-stream window (watchWindow), whatever protocol the client speaks, so that
// a stalled watcher (stall-streams) backs the service's Send up after a few KiB, as a
// slow reader on a real network does. Over HTTP/1.1 the loopback's socket buffers would
// take megabytes (2.8 MB measured with the reader's SO_RCVBUF at 4 KiB: the sender's
// buffer grows on its own) before the service noticed, tens of thousands of events for a
// case to make. The service's handler is the same over either protocol; its HTTP/1.1
// streaming is covered by connectsvc's own tests.
func h2cTransport(cfg *http.HTTP2Config) *http.Transport {
	t := &http.Transport{Proxy: nil, DisableCompression: true, Protocols: new(http.Protocols), HTTP2: cfg}
	t.Protocols.SetUnencryptedHTTP2(true)
	return t
}

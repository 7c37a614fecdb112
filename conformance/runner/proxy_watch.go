package runner

import "net/http"

// watchWindow is the HTTP/2 flow-control window the proxy gives each Watch stream
// towards the service.
const watchWindow = 4 << 10

// watchTransport carries Watch calls to the service, whatever protocol the client
// speaks: over h2c with a small per-stream window, so that a stalled watcher
// (stall-streams) backs the service's Send up after a few KiB, as a slow reader on a
// real network does. Over HTTP/1.1 the loopback's socket buffers would take megabytes
// (2.8 MB measured with the reader's SO_RCVBUF at 4 KiB: the sender's buffer grows on
// its own) before the service noticed, tens of thousands of events for a case to make.
// The service's handler is the same over either protocol; its HTTP/1.1 streaming is
// covered by connectsvc's own tests.
func watchTransport() *http.Transport {
	t := &http.Transport{Proxy: nil, DisableCompression: true, Protocols: new(http.Protocols),
		HTTP2: &http.HTTP2Config{MaxReceiveBufferPerStream: watchWindow}}
	t.Protocols.SetUnencryptedHTTP2(true)
	return t
}

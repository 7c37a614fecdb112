package distlock

import "net/http"

// maxIdleConns is how many idle connections to its service a Lessor's own transport keeps.
//
// Over HTTP/1.1 each request in flight has a connection of its own, and a coalescing
// Lessor under load has many at once: a Batch stays open while its waiting Acquires
// wait, and the next Batch leaves as soon as the previous one has its first answer. With
// net/http's default of two idle connections per host, every connection beyond two was
// closed when its request ended and a new one dialled for the next: at c=64 about 300 to
// 500 new connections a second, each a handshake, a server goroutine and two client
// goroutines started and grown anew.
const maxIdleConns = 100

// newTransport is the transport of a Lessor made without WithHTTPClient: net/http's
// default one, keeping up to maxIdleConns idle connections to the service.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = maxIdleConns
	t.MaxIdleConnsPerHost = maxIdleConns
	return t
}

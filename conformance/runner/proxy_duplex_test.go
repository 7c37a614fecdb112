package runner

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// TestProxyPassesBodyAfterAnswerStarts checks that a request body reaches the service in
// full although the service starts its answer before reading it. When the transport
// reads the body as it forwards it, the proxy's HTTP/1 server takes the rest of the
// body once the answer's headers are written: here it steals 256 KiB of it; in the
// suite, it closed the body under the transport's last read, which cut the answer short
// ("unexpected EOF", seen in CI). See readBody.
func TestProxyPassesBodyAfterAnswerStarts(t *testing.T) {
	// Large enough that forwarding it blocks on the service (which does not read yet)
	// whatever loopback's socket buffers hold, so the proxy writes the headers while
	// most of it is still unread.
	const size = 32 << 20
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).EnableFullDuplex()
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			t.Errorf("service reading the body: %v", err)
		}
		_, _ = io.WriteString(w, strconv.FormatInt(n, 10))
	}))
	defer svc.Close()
	p, err := startProxy("a", func() string { return svc.URL }, nil, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()

	body, w := io.Pipe()
	go func() {
		_, err := io.Copy(w, bytes.NewReader(make([]byte, size)))
		w.CloseWithError(err)
	}()
	req, err := http.NewRequest(http.MethodPost, p.url()+"/distlock.v1.LockService/Acquire", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/proto")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	if string(got) != strconv.Itoa(size) {
		t.Errorf("the service got %s bytes of the %d-byte body", got, size)
	}
}

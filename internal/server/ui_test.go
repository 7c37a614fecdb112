package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func getPage(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

func TestServeHasTheInspectorPageUnlessUIIsFalse(t *testing.T) {
	on := startServer(t, "--lock-service", "memory://ui-on")
	code, body := getPage(t, on.url+"/ui/")
	if code != http.StatusOK || !strings.Contains(body, "distlock inspector") {
		t.Fatalf("GET /ui/: %d %q", code, body)
	}
	off := startServer(t, "--lock-service", "memory://ui-off", "--ui=false")
	if code, _ := getPage(t, off.url+"/ui/"); code == http.StatusOK {
		t.Fatalf("GET /ui/ with --ui=false: %d", code)
	}
}

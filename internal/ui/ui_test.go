package ui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func TestMountServesThePageAndPassesTheRestOn(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := Mount(next)

	page := get(t, h, http.MethodGet, "/ui/")
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), `src="app.js"`) {
		t.Fatalf("GET /ui/: %d %q", page.Code, page.Body.String())
	}
	if got := page.Header().Get("Content-Security-Policy"); !strings.Contains(got, "default-src 'none'") {
		t.Errorf("CSP = %q", got)
	}
	for _, f := range []string{"/ui/app.js", "/ui/style.css"} {
		if rec := get(t, h, http.MethodGet, f); rec.Code != http.StatusOK || rec.Body.Len() == 0 {
			t.Errorf("GET %s: %d, %d bytes", f, rec.Code, rec.Body.Len())
		}
	}
	if rec := get(t, h, http.MethodGet, "/ui"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/ui/" {
		t.Errorf("GET /ui: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := get(t, h, http.MethodPost, "/ui/"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /ui/: %d", rec.Code)
	}
	for _, p := range []string{"/", "/distlock.v1.LockService/List", "/uix"} {
		if rec := get(t, h, http.MethodPost, p); rec.Code != http.StatusTeapot {
			t.Errorf("%s went to the page: %d", p, rec.Code)
		}
	}
}

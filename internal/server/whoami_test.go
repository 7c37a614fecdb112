package server

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

func getWhoami(t *testing.T, url, token string) (*http.Response, string) {
	t.Helper()
	return askWhoami(t, http.MethodGet, url, token)
}

func askWhoami(t *testing.T, method, url, token string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url+WhoamiPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, res.Body); err != nil {
		t.Fatal(err)
	}
	return res, b.String()
}

func TestWhoamiWithAuthOffSaysSo(t *testing.T) {
	srv := startServer(t, "--lock-service", "memory://"+t.Name())
	res, body := getWhoami(t, srv.url, "")
	if res.StatusCode != http.StatusOK || strings.TrimSpace(body) != `{"auth":false}` {
		t.Fatalf("GET /whoami: %d %s", res.StatusCode, body)
	}
}

func TestWhoamiNamesTheTokensPrincipal(t *testing.T) {
	file := filepath.Join(t.TempDir(), "auth.yaml")
	a := newPrincipal(t, "alice", "team-a")
	writeAuthFile(t, file, teamRules, a)
	srv := startServer(t, "--auth", file, "--lock-service", "memory://"+t.Name())

	res, body := getWhoami(t, srv.url, a.token)
	var got struct {
		Principal string   `json:"principal"`
		Groups    []string `json:"groups"`
		Method    string   `json:"method"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /whoami: %d %s %v", res.StatusCode, body, err)
	}
	if got.Principal != "alice" || len(got.Groups) != 1 || got.Groups[0] != "team-a" || got.Method != "token" {
		t.Fatalf("GET /whoami: %s", body)
	}
	if strings.Contains(body, a.token) {
		t.Fatalf("GET /whoami echoes the token: %s", body)
	}

	for name, token := range map[string]string{"wrong token": a.token + "x", "no token": ""} {
		res, body := getWhoami(t, srv.url, token)
		if res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") != `Bearer realm="distlock"` {
			t.Errorf("%s: %d %q %s", name, res.StatusCode, res.Header.Get("WWW-Authenticate"), body)
		}
		if strings.Contains(body, "alice") || (token != "" && strings.Contains(body, token)) {
			t.Errorf("%s: answer leaks identity or token: %s", name, body)
		}
	}
}

// A preflight passes the auth middleware without a credential, so /whoami must not answer
// it as if auth were off.
func TestWhoamiAnswersOnlyGet(t *testing.T) {
	file := filepath.Join(t.TempDir(), "auth.yaml")
	writeAuthFile(t, file, teamRules, newPrincipal(t, "alice", "team-a"))
	srv := startServer(t, "--auth", file, "--lock-service", "memory://"+t.Name())
	res, b := askWhoami(t, http.MethodOptions, srv.url, "")
	if res.StatusCode != http.StatusMethodNotAllowed || strings.Contains(string(b), "auth") {
		t.Fatalf("OPTIONS /whoami: %d %s", res.StatusCode, b)
	}
}

package server

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"github.com/alicebob/miniredis/v2"
	"google.golang.org/protobuf/types/known/durationpb"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
	"github.com/distlock/distlock/internal/auth"
)

// principal is a token made for a test's auth file.
type principal struct{ name, token, entry string }

func newPrincipal(t *testing.T, name string, groups ...string) principal {
	t.Helper()
	token, entry, err := auth.TokenEntry(name, groups)
	if err != nil {
		t.Fatal(err)
	}
	return principal{name, token, entry}
}

// teamRules let each group acquire and read under its own prefix.
const teamRules = `rules:
  - groups: [team-a]
    verbs: [acquire, read]
    resources: ["team-a/"]
  - groups: [team-b]
    verbs: [acquire, read]
    resources: ["team-b/"]
`

// writeAuthFile writes an auth file with the principals' tokens and the rules, atomically.
func writeAuthFile(t *testing.T, path, rules string, ps ...principal) {
	t.Helper()
	var b strings.Builder
	b.WriteString("tokens:\n")
	for _, p := range ps {
		b.WriteString(p.entry)
	}
	b.WriteString(rules)
	writeFileAtomic(t, path, b.String())
}

func writeFileAtomic(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// bearerTransport adds Authorization headers to every request.
type bearerTransport struct {
	base   http.RoundTripper
	values []string
}

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for _, v := range b.values {
		r.Header.Add("Authorization", v)
	}
	return b.base.RoundTrip(r)
}

// clientAs is a LockService client sending the Authorization value (none if empty).
func clientAs(t *testing.T, url, authorization string, opts ...connect.ClientOption) distlockv1connect.LockServiceClient {
	var values []string
	if authorization != "" {
		values = []string{authorization}
	}
	return clientAsHeaders(t, url, values, opts...)
}

// clientAsHeaders is a LockService client sending these Authorization header values.
func clientAsHeaders(t *testing.T, url string, values []string, opts ...connect.ClientOption) distlockv1connect.LockServiceClient {
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetHTTP1(true)
	tr.Protocols.SetUnencryptedHTTP2(true)
	t.Cleanup(tr.CloseIdleConnections)
	return distlockv1connect.NewLockServiceClient(&http.Client{Transport: bearerTransport{tr, values}}, url, opts...)
}

// miniNodes starts three miniredis nodes and returns their redis:// URL.
func miniNodes(t *testing.T) (string, []*miniredis.Miniredis) {
	var addrs []string
	var nodes []*miniredis.Miniredis
	for range 3 {
		m := miniredis.RunT(t)
		nodes = append(nodes, m)
		addrs = append(addrs, m.Addr())
	}
	return "redis://" + strings.Join(addrs, ",") + "?quarantine=0", nodes
}

// keysWith returns the keys of any node that contain substr.
func keysWith(nodes []*miniredis.Miniredis, substr string) []string {
	var found []string
	for _, m := range nodes {
		for _, k := range m.Keys() {
			if strings.Contains(k, substr) {
				found = append(found, k)
			}
		}
	}
	return found
}

var wireProtocols = map[string][]connect.ClientOption{
	"connect":  nil,
	"json":     {connect.WithProtoJSON()},
	"json-get": {connect.WithProtoJSON(), connect.WithHTTPGet()},
	"grpc":     {connect.WithGRPC()},
	"grpc-web": {connect.WithGRPCWeb()},
}

func acquireReq(resource, owner string) *connect.Request[distlockv1.AcquireRequest] {
	return connect.NewRequest(&distlockv1.AcquireRequest{Resource: resource, Owner: owner})
}

func TestAuthEndToEnd(t *testing.T) {
	a, b := newPrincipal(t, "ci-a", "team-a"), newPrincipal(t, "ci-b", "team-b")
	file := filepath.Join(t.TempDir(), "auth.yaml")
	writeAuthFile(t, file, teamRules, a, b)
	redisURL, nodes := miniNodes(t)
	srv := startServer(t, "--auth", file, "--redis", redisURL, "--log-level", "debug")
	ctx := context.Background()
	const unknown = "Bearer dlt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

	for name, opts := range wireProtocols {
		for _, cred := range []string{"", unknown, "Basic " + a.token, "Bearer " + a.token + "x"} {
			_, err := clientAs(t, srv.url, cred, opts...).Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: "team-a/x"}))
			if connect.CodeOf(err) != connect.CodeUnauthenticated {
				t.Errorf("%s, credential %.12q: %v, want unauthenticated", name, cred, err)
			}
		}
	}

	ca := clientAs(t, srv.url, "Bearer "+a.token)
	cb := clientAs(t, srv.url, "Bearer "+b.token, connect.WithGRPC())
	held, err := ca.Acquire(ctx, acquireReq("team-a/x", "deploy"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := ca.Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: "team-a/x"}))
	if err != nil || info.Msg.GetOwner() != "ci-a/deploy" {
		t.Fatalf("owner of a lock ci-a took as deploy: %v, %v", info, err)
	}
	_, err = ca.Acquire(ctx, acquireReq("team-b/x", ""))
	if connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("ci-a acquiring under team-b/: %v", err)
	}
	if keys := keysWith(nodes, "team-b"); len(keys) > 0 {
		t.Fatalf("a denied acquire wrote %v", keys)
	}
	_, err = cb.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: "team-a/x", LeaseToken: held.Msg.GetLeaseToken()}))
	if connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("ci-b releasing ci-a's lease with its token: %v", err)
	}
	if _, err := cb.Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: "team-a/x"})); connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("ci-b reading team-a/: %v", err)
	}

	health, err := grpchealth.NewClient(h2cClient(t), srv.url, connect.WithGRPC()).Check(ctx, &grpchealth.CheckRequest{})
	if err != nil || health.Status != grpchealth.StatusServing {
		t.Fatalf("health without credentials: %v, %v", health, err)
	}
	if code, _ := getWith(t, srv.url+"/metrics", ""); code != http.StatusUnauthorized {
		t.Fatalf("metrics without credentials: %d", code)
	}
	code, body := getWith(t, srv.url+"/metrics", "Bearer "+b.token)
	if want := `distlock_auth_denied_total{code="permission_denied",group="team-a"} 1`; code != http.StatusOK || !strings.Contains(body, want) {
		t.Fatalf("metrics: %d, lack %s:\n%s", code, want, body)
	}

	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	logs := srv.logs.text()
	for _, want := range []string{
		`"msg":"auth denied","principal":"ci-a","auth_method":"token","verb":"acquire","resource":"team-b/x","code":"permission_denied"`,
		`"msg":"auth denied","principal":"","auth_method":"","verb":"","resource":"","code":"unauthenticated","reason":"the bearer token is not known"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s", want)
		}
	}
	for _, secret := range []string{a.token, b.token, unknown[len("Bearer "):], held.Msg.GetLeaseToken()} {
		if strings.Contains(logs, secret) {
			t.Errorf("a secret was logged: %.10s…", secret)
		}
	}
}

func getWith(t *testing.T, url, authorization string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAuthReload: a changed file takes effect without a restart and without dropping a
// call in flight; a broken one keeps the previous policy and says why; SIGHUP reloads.
func TestAuthReload(t *testing.T) {
	a, b := newPrincipal(t, "ci-a", "team-a"), newPrincipal(t, "ci-b", "team-b")
	file := filepath.Join(t.TempDir(), "auth.yaml")
	writeAuthFile(t, file, teamRules, a)
	srv := startServer(t, "--auth", file, "--lock-service", "memory://"+t.Name(), "--auth-reload-interval", "5ms", "--wait-log-interval", "1ms")
	ctx := context.Background()
	ca := clientAs(t, srv.url, "Bearer "+a.token)
	cb := clientAs(t, srv.url, "Bearer "+b.token)
	held, err := ca.Acquire(ctx, acquireReq("team-a/r", ""))
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() {
		_, err := ca.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "team-a/r", Wait: durationpb.New(time.Minute)}))
		waited <- err
	}()
	<-srv.logs.await(`"msg":"acquire still waiting`)

	writeAuthFile(t, file, teamRules, a, b)
	<-srv.logs.await(`"msg":"auth file reloaded"`)
	if _, err := cb.Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: "team-b/r"})); connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("ci-b after the reload added it: %v", err)
	}
	if _, err := ca.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: "team-a/r", LeaseToken: held.Msg.GetLeaseToken()})); err != nil {
		t.Fatal(err)
	}
	if err := <-waited; err != nil {
		t.Fatalf("the Acquire waiting across the reload: %v", err)
	}

	writeFileAtomic(t, file, "tokens: [\n")
	<-srv.logs.await(`"msg":"auth file not reloaded; the previous policy stays in force"`)
	if _, err := cb.Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: "team-b/r"})); connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("ci-b after a broken file: %v", err)
	}
}

func TestAuthReloadOnSIGHUP(t *testing.T) {
	a, b := newPrincipal(t, "ci-a", "team-a"), newPrincipal(t, "ci-b", "team-b")
	file := filepath.Join(t.TempDir(), "auth.yaml")
	writeAuthFile(t, file, teamRules, a)
	srv := startServer(t, "--auth", file, "--lock-service", "memory://"+t.Name(), "--auth-reload-interval", "1h")
	writeAuthFile(t, file, teamRules, b)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	<-srv.logs.await(`"msg":"auth file reloaded"`)
	_, err := clientAs(t, srv.url, "Bearer "+a.token).Info(context.Background(), connect.NewRequest(&distlockv1.InfoRequest{Resource: "team-a/r"}))
	if connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Fatalf("ci-a after SIGHUP removed it: %v", err)
	}
}

func TestAuthConfig(t *testing.T) {
	c, err := ParseConfig([]string{"--auth", "a.yaml"}, noEnv, io.Discard)
	if err != nil || c.Listen != ":8080" {
		t.Fatalf("--auth alone: listen %q, %v; want :8080", c.Listen, err)
	}
	c, err = ParseConfig(nil, func(k string) (string, bool) { return "a.yaml", k == "DISTLOCK_AUTH" }, io.Discard)
	if err != nil || c.Auth != "a.yaml" || c.Listen != ":8080" {
		t.Fatalf("DISTLOCK_AUTH: %+v, %v", c, err)
	}
	for _, args := range [][]string{
		{"--auth", "a.yaml", "--cors-origins", "https://app.example,*"},
		{"--auth", "a.yaml", "--insecure-no-auth"},
		{"--auth", "a.yaml", "--tls-client-ca", "ca.pem"},
		{"--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-client-ca", "ca.pem"},
	} {
		if _, err := ParseConfig(args, noEnv, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// TestBrokenAuthFileStopsStartUp: at start-up there is no previous policy to keep.
func TestBrokenAuthFileStopsStartUp(t *testing.T) {
	file := filepath.Join(t.TempDir(), "auth.yaml")
	writeFileAtomic(t, file, "rules:\n  - verbs: [read]\n")
	c, err := ParseConfig([]string{"--listen", "127.0.0.1:0", "--auth", file, "--lock-service", "memory://" + t.Name()}, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), c, io.Discard); err == nil || !strings.Contains(err.Error(), "rules[0]") {
		t.Fatalf("Run with a broken auth file: %v", err)
	}
}

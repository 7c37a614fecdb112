package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/alicebob/miniredis/v2"
	"github.com/golang-jwt/jwt/v5"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/internal/auth"
)

// badCredential is one entry of the corpus: the Authorization header values a caller
// sends (none: no header), the resource it asks for, and the code it must get.
type badCredential struct {
	name     string
	headers  []string
	resource string
	want     connect.Code
}

// signWith signs c with any method and key, under the header kid (none if empty).
func signWith(t *testing.T, m jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// unsigned is a JWT with alg "none" and no signature.
func unsigned(t *testing.T, c jwt.MapClaims, kid string) string {
	t.Helper()
	header := map[string]string{"alg": "none", "typ": "JWT"}
	if kid != "" {
		header["kid"] = kid
	}
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(c) + "."
}

func with(c jwt.MapClaims, key string, value any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	if value == nil {
		delete(out, key)
	} else {
		out[key] = value
	}
	return out
}

func corpus(t *testing.T, iss *issuer, a principal) []badCredential {
	valid := a.token
	good := claims("svc-a", "team-a")
	jwtA := iss.sign(t, good)
	jwtB := iss.sign(t, claims("svc-b", "team-b"))
	partsA, partsB := strings.Split(jwtA, "."), strings.Split(jwtB, ".")
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pubJWK := iss.jwksJSON(t)
	past := time.Now().Add(-time.Hour).Unix()
	u := connect.CodeUnauthenticated
	d := connect.CodePermissionDenied
	b := func(s string) []string { return []string{"Bearer " + s} }
	return []badCredential{
		{"no Authorization header", nil, "team-a/x", u},
		{"empty header", []string{""}, "team-a/x", u},
		{"scheme only", []string{"Bearer"}, "team-a/x", u},
		{"empty token", []string{"Bearer "}, "team-a/x", u},
		{"Basic scheme", []string{"Basic " + base64.StdEncoding.EncodeToString([]byte("ci-a:"+valid))}, "team-a/x", u},
		{"Token scheme", []string{"Token " + valid}, "team-a/x", u},
		{"no space after scheme", []string{"Bearer" + valid}, "team-a/x", u},
		{"two spaces", []string{"Bearer  " + valid}, "team-a/x", u},
		{"trailing word", []string{"Bearer " + valid + " x"}, "team-a/x", u},
		{"two headers", []string{"Bearer " + valid, "Bearer " + valid}, "team-a/x", u},
		{"quoted token", b(`"` + valid + `"`), "team-a/x", u},
		{"non-ASCII token", b(valid + "é"), "team-a/x", u},
		{"4 KiB token", b("dlt_" + strings.Repeat("A", 4096)), "team-a/x", u},
		{"60 KiB token", b("dlt_" + strings.Repeat("A", 60<<10)), "team-a/x", u},
		{"one character changed", b(valid[:len(valid)-1] + string(rune('A'+(valid[len(valid)-1]+1)%26))), "team-a/x", u},
		{"truncated", b(valid[:len(valid)-1]), "team-a/x", u},
		{"one character added", b(valid + "A"), "team-a/x", u},
		{"the stored hash as token", b(auth.HashToken(valid)), "team-a/x", u},
		{"prefix only", b("dlt_"), "team-a/x", u},
		{"a token of another server", b("dlt_" + strings.Repeat("Q", 43)), "team-a/x", u},
		{"padding added", b(valid + "="), "team-a/x", u},
		{"JWT alg none", b(unsigned(t, good, "")), "team-a/x", u},
		{"JWT alg none with kid", b(unsigned(t, good, iss.kid)), "team-a/x", u},
		{"JWT HS256 keyed with the public JWK (key confusion)", b(signWith(t, jwt.SigningMethodHS256, pubJWK, iss.kid, good)), "team-a/x", u},
		{"JWT RS256, an algorithm not allowed", b(signWith(t, jwt.SigningMethodRS256, rsaKey, iss.kid, good)), "team-a/x", u},
		{"JWT signed by another key", b(signWith(t, jwt.SigningMethodES256, other, iss.kid, good)), "team-a/x", u},
		{"JWT expired", b(iss.sign(t, with(good, "exp", past))), "team-a/x", u},
		{"JWT not valid yet", b(iss.sign(t, with(good, "nbf", time.Now().Add(time.Hour).Unix()))), "team-a/x", u},
		{"JWT for another audience", b(iss.sign(t, with(good, "aud", "other-service"))), "team-a/x", u},
		{"JWT from another issuer", b(iss.sign(t, with(good, "iss", "https://evil.test/"))), "team-a/x", u},
		{"JWT without exp", b(iss.sign(t, with(good, "exp", nil))), "team-a/x", u},
		{"JWT without kid", b(signWith(t, jwt.SigningMethodES256, iss.key, "", good)), "team-a/x", u},
		{"JWT with an unknown kid", b(signWith(t, jwt.SigningMethodES256, iss.key, "k-unknown", good)), "team-a/x", u},
		{"JWT with a swapped signature", b(partsA[0] + "." + partsA[1] + "." + partsB[2]), "team-a/x", u},
		{"JWT with a swapped payload", b(partsA[0] + "." + partsB[1] + "." + partsA[2]), "team-a/x", u},
		{"JWT with an empty subject", b(iss.sign(t, with(good, "sub", ""))), "team-a/x", u},
		{"JWT with two parts", b(partsA[0] + "." + partsA[1]), "team-a/x", u},
		{"JWT of garbage", b("a.b.c"), "team-a/x", u},
		{"another team's prefix", b(valid), "team-b/x", d},
		{"a longer prefix (team-ab/)", b(valid), "team-ab/x", d},
		{"the prefix without its slash", b(valid), "team-a", d},
		{"upper case", b(valid), "Team-a/x", d},
		{"U+2010 hyphen look-alike", b(valid), "team\u2010a/x", d},
		{"Cyrillic a look-alike", b(valid), "team-\u0430/x", d},
		{"fullwidth t look-alike", b(valid), "\uff54eam-a/x", d},
		{"division slash look-alike", b(valid), "team-a\u2215x", d},
		{"a leading slash", b(valid), "/team-a/x", d},
		{"a JWT of team-a on team-b/", b(jwtA), "team-b/x", d},
	}
}

// dumpNodes is the whole content of every node.
func dumpNodes(nodes []*miniredis.Miniredis) string {
	var b strings.Builder
	for _, m := range nodes {
		b.WriteString(m.Dump())
	}
	return b.String()
}

// TestBadCredentialCorpus sends each entry over Connect and gRPC: the right code, no
// panic, and no Redis key written or changed on any node; no credential in the logs,
// at debug level.
func TestBadCredentialCorpus(t *testing.T) {
	a, bp := newPrincipal(t, "ci-a", "team-a"), newPrincipal(t, "ci-b", "team-b")
	iss := newIssuer(t, "k1")
	file := filepath.Join(t.TempDir(), "auth.yaml")
	writeAuthFile(t, file, jwtSection("jwks_file: "+iss.jwks)+teamRules, a, bp)
	redisURL, nodes := miniNodes(t)
	srv := startServer(t, "--auth", file, "--redis", redisURL, "--log-level", "debug")
	ctx := context.Background()
	cb := clientAs(t, srv.url, "Bearer "+bp.token)
	heldB, err := cb.Acquire(ctx, acquireReq("team-b/x", ""))
	if err != nil {
		t.Fatal(err)
	}
	before := dumpNodes(nodes)

	entries := corpus(t, iss, a)
	if len(entries) < 30 {
		t.Fatalf("the corpus has %d entries, want at least 30", len(entries))
	}
	for _, e := range entries {
		for name, opts := range map[string][]connect.ClientOption{"connect": {connect.WithProtoJSON()}, "grpc": {connect.WithGRPC()}} {
			c := clientAsHeaders(t, srv.url, e.headers, opts...)
			_, err := c.Acquire(ctx, acquireReq(e.resource, ""))
			if got := connect.CodeOf(err); got != e.want {
				t.Errorf("%s over %s: %v, want %v", e.name, name, err, e.want)
			}
			_, err = c.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: "team-b/x", LeaseToken: heldB.Msg.GetLeaseToken()}))
			if code := connect.CodeOf(err); code != connect.CodeUnauthenticated && code != connect.CodePermissionDenied {
				t.Errorf("%s over %s: releasing team-b's lease: %v", e.name, name, err)
			}
		}
	}
	if after := dumpNodes(nodes); after != before {
		t.Errorf("the corpus changed Redis:\nbefore %s\nafter  %s", before, after)
	}

	// A name under team-a/ is team-a's, whatever it spells: no path is resolved, and
	// team-b's lock is untouched.
	ca := clientAs(t, srv.url, "Bearer "+a.token)
	if _, err := ca.Acquire(ctx, acquireReq("team-a/../team-b/x", "")); err != nil {
		t.Fatalf("team-a/../team-b/x for team-a: %v", err)
	}
	info, err := cb.Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: "team-b/x"}))
	if err != nil || info.Msg.GetFencingToken() != heldB.Msg.GetFencingToken() || info.Msg.GetOwner() != "ci-b" {
		t.Fatalf("team-b/x after team-a took team-a/../team-b/x: %v, %v", info, err)
	}

	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	logs := srv.logs.text()
	if strings.Contains(logs, "panic") {
		t.Fatalf("a panic:\n%s", logs)
	}
	secrets := []string{a.token, bp.token, heldB.Msg.GetLeaseToken()}
	for _, e := range entries {
		for _, h := range e.headers {
			if _, tok, ok := strings.Cut(h, " "); ok && len(tok) >= 12 {
				secrets = append(secrets, tok)
			}
		}
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) || strings.Contains(logs, s[:12]) {
			t.Errorf("a credential (%.8s…) is in the logs", s)
		}
	}
	if !strings.Contains(logs, `"level":"DEBUG"`) {
		t.Fatal("the logs hold no debug line: the test did not look at every level")
	}
}

package distlock_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/sdks/go/distlock"
	"github.com/distlock/distlock/sdks/go/distlocktest"
)

// Tokens of the auth file authServer writes: alice may take and read team-a/ locks,
// bob any lock but holds at most one.
const (
	aliceToken = "dl_alice-test-token-0123456789abcdefABCDEF"
	bobToken   = "dl_bob-test-token-0123456789abcdefABCDEF"
	wrongToken = "dl_wrong-test-token-0123456789abcdefABCDEF"
)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// syncBuffer keeps a service's logs, which its stdout and stderr write concurrently.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// authServer starts `distlock serve --auth` with debug logs, which it returns; at the
// end of the test it checks that no token of the test ever reached them.
func authServer(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "auth.yaml")
	yaml := fmt.Sprintf(`tokens:
  - {principal: alice, groups: [team-a], sha256: %s}
  - {principal: bob, sha256: %s}
rules:
  - {groups: [team-a], verbs: [acquire, read], resources: ["team-a/"]}
  - {principals: [bob], verbs: [acquire, read], resources: ["*"]}
quotas:
  principals:
    bob: {max_held: 1}
`, sha256Hex(aliceToken), sha256Hex(bobToken))
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	srv, err := distlocktest.Start(logs, "--auth", file, "--lock-service", "memory://auth", "--log-level", "debug")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("stopping the server: %v", err)
		}
		for _, tok := range []string{aliceToken, bobToken, wrongToken} {
			if strings.Contains(logs.String(), tok) {
				t.Errorf("the service logged a token:\n%s", logs.String())
			}
		}
	})
	return srv.URL
}

var shortLease = driver.LeaseOptions{TTL: 10 * time.Second}

// wantErr checks that err is want and does not quote any token of the test.
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got %v, want %v", what, err, want)
	}
	for _, tok := range []string{aliceToken, bobToken, wrongToken} {
		if strings.Contains(err.Error(), tok) {
			t.Fatalf("%s: the error quotes a token: %v", what, err)
		}
	}
}

func TestTokenAgainstAuthService(t *testing.T) {
	url := authServer(t)
	ctx := t.Context()

	_, err := newLessor(t, url).Acquire(ctx, "team-a/x", shortLease)
	wantErr(t, "no token", err, distlock.ErrUnauthenticated)

	_, err = newLessor(t, url, distlock.WithToken(wrongToken)).Acquire(ctx, "team-a/x", shortLease)
	wantErr(t, "wrong token", err, distlock.ErrUnauthenticated)

	alice := newLessor(t, url, distlock.WithToken(aliceToken))
	_, err = alice.Acquire(ctx, "team-b/x", shortLease)
	wantErr(t, "out of namespace", err, distlock.ErrPermissionDenied)
	_, err = alice.Info(ctx, "team-b/x")
	wantErr(t, "Info out of namespace", err, distlock.ErrPermissionDenied)

	lease, err := alice.Acquire(ctx, "team-a/x", shortLease)
	if err != nil {
		t.Fatalf("Acquire in the namespace: %v", err)
	}
	if lease, err = alice.Extend(ctx, lease, shortLease.TTL); err != nil {
		t.Fatalf("Extend: %v", err)
	}
	if err := alice.Release(ctx, lease); err != nil {
		t.Fatalf("Release: %v", err)
	}
}

func TestTokenOnStreams(t *testing.T) {
	url := authServer(t)
	ctx := t.Context()

	_, err := newLessor(t, url).Hold(ctx, "team-a/s", shortLease)
	wantErr(t, "Hold without a token", err, distlock.ErrUnauthenticated)

	alice := newLessor(t, url, distlock.WithToken(aliceToken))
	_, err = alice.Hold(ctx, "team-b/s", shortLease)
	wantErr(t, "Hold out of namespace", err, distlock.ErrPermissionDenied)
	h, err := alice.Hold(ctx, "team-a/s", shortLease)
	if err != nil {
		t.Fatalf("Hold in the namespace: %v", err)
	}
	if err := h.Release(ctx); err != nil {
		t.Fatalf("releasing the held lock: %v", err)
	}

	for _, err := range alice.Watch(ctx, driver.Selector{Name: "team-b/s"}) {
		wantErr(t, "Watch out of namespace", err, distlock.ErrPermissionDenied)
		break
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, err := range alice.Watch(wctx, driver.Selector{Name: "team-a/s"}) {
		// The first event is the lock's state: a token the service took.
		if err != nil {
			t.Fatalf("Watch in the namespace: %v", err)
		}
		break
	}
}

func TestQuotaError(t *testing.T) {
	url := authServer(t)
	bob := newLessor(t, url, distlock.WithToken(bobToken))
	lease, err := bob.Acquire(t.Context(), "any/1", shortLease)
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Release(context.WithoutCancel(t.Context()), lease)
	_, err = bob.Acquire(t.Context(), "any/2", shortLease)
	wantErr(t, "a second lock", err, distlock.ErrResourceExhausted)
	var q *distlock.QuotaError
	if !errors.As(err, &q) {
		t.Fatalf("errors.As(%v, *QuotaError) is false", err)
	}
	if want := (distlock.QuotaError{Quota: "max_held", Limit: "1", Principal: "bob"}); *q != want {
		t.Fatalf("quota %+v, want %+v", *q, want)
	}
}

func TestTokenSourceCalledForEveryRequest(t *testing.T) {
	url := authServer(t)
	var calls atomic.Int32
	alice := newLessor(t, url, distlock.WithTokenSource(func(context.Context) (string, error) {
		calls.Add(1)
		return aliceToken, nil
	}))
	ctx := t.Context()
	lease, err := alice.Acquire(ctx, "team-a/p", shortLease)
	if err != nil {
		t.Fatal(err)
	}
	if lease, err = alice.Extend(ctx, lease, shortLease.TTL); err != nil {
		t.Fatal(err)
	}
	if err := alice.Release(ctx, lease); err != nil {
		t.Fatal(err)
	}
	h, err := alice.Hold(ctx, "team-a/p", shortLease)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Release(ctx); err != nil {
		t.Fatal(err)
	}
	// Acquire (with its confirmation, if any), Extend, Release, Hold: each asked anew.
	if n := calls.Load(); n < 4 {
		t.Fatalf("the token source was called %d times for 4 requests", n)
	}
}

// secretError is a provider's failure whose text must not reach the caller.
type secretError struct{}

func (secretError) Error() string { return "vault said " + aliceToken }

func TestTokenSourceFailure(t *testing.T) {
	url := authServer(t)
	failing := newLessor(t, url, distlock.WithTokenSource(func(context.Context) (string, error) {
		return "", secretError{}
	}))
	_, err := failing.Acquire(t.Context(), "team-a/f", shortLease)
	wantErr(t, "Acquire", err, distlock.ErrUnauthenticated)
	if !strings.Contains(err.Error(), "secretError") {
		t.Fatalf("the error does not name the provider error's type: %v", err)
	}
	_, err = failing.Hold(t.Context(), "team-a/f", shortLease)
	wantErr(t, "Hold", err, distlock.ErrUnauthenticated)

	unusable := newLessor(t, url, distlock.WithTokenSource(func(context.Context) (string, error) {
		return aliceToken + "\n", nil
	}))
	_, err = unusable.Info(t.Context(), "team-a/f")
	wantErr(t, "a token with a line break", err, distlock.ErrUnauthenticated)
}

func TestInvalidStaticToken(t *testing.T) {
	for name, tok := range map[string]string{
		"empty":      "",
		"line break": aliceToken + "\n",
		"space":      "dl_alice " + aliceToken,
		"too long":   strings.Repeat("a", 4097),
	} {
		_, err := distlock.New("http://127.0.0.1:1", distlock.WithToken(tok))
		if !errors.Is(err, driver.ErrInvalidArgument) {
			t.Errorf("%s: New returned %v, want ErrInvalidArgument", name, err)
			continue
		}
		if tok != "" && strings.Contains(err.Error(), strings.TrimSpace(tok)[:20]) {
			t.Errorf("%s: the error quotes the token: %v", name, err)
		}
	}
	if _, err := distlock.New("http://127.0.0.1:1", distlock.WithToken(strings.Repeat("a", 4096))); err != nil {
		t.Errorf("a 4096-byte token: %v", err)
	}
}

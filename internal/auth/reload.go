package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// errStillBroken is load's answer for content that already failed to compile.
var errStillBroken = errors.New("auth file: unchanged since it last failed to load")

// load reads the file and, if it compiles, puts its policy in force.
// Unless forced, it does nothing when neither the file nor the JWKS file it names has
// changed.
func (a *Authority) load(force bool) error {
	b, err := os.ReadFile(a.path)
	if err != nil {
		return fmt.Errorf("auth file: %w", err)
	}
	h := sha256.New()
	h.Write(b)
	if cur := a.policy.Load(); cur != nil && cur.jwksFile != "" {
		jwks, _ := os.ReadFile(cur.jwksFile) // unreadable: the parse below says so
		h.Write(jwks)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	if old := a.sum.Load(); !force && old != nil && *old == sum {
		return nil
	}
	if bad := a.badSum.Load(); !force && bad != nil && *bad == sum {
		return errStillBroken
	}
	p, err := parse(b, filepath.Dir(a.path))
	if err != nil {
		a.badSum.Store(&sum)
		return fmt.Errorf("auth file %s: %w", a.path, err)
	}
	a.policy.Store(p)
	a.sum.Store(&sum)
	return nil
}

// Reload reads the auth file again. If it loads, its policy is in force for every call
// that starts from now on; if not, the previous policy stays and the log says why. Calls
// in flight are not disturbed either way. Reload reports what happened.
func (a *Authority) Reload() error { return a.reload(true) }

func (a *Authority) reload(force bool) error {
	before := a.policy.Load()
	if err := a.load(force); err != nil {
		if errors.Is(err, errStillBroken) {
			return err // said when it broke; a poll must not repeat it every few seconds
		}
		a.logger.Error("auth file not reloaded; the previous policy stays in force", "error", err.Error())
		return err
	}
	if p := a.policy.Load(); p != before {
		a.logger.Info("auth file reloaded", "path", a.path, "tokens", len(p.tokens), "rules", len(p.rules))
	}
	return nil
}

// jwksRefresh is how often a key set fetched from a URL is fetched again, so that an
// issuer's key rotation reaches the server without a SIGHUP.
const jwksRefresh = 15 * time.Minute

// Watch reloads the auth file on every value from hup (SIGHUP) and whenever its content
// (or that of its jwks_file) changes, checked every poll, and fetches a jwks_url again
// every 15 minutes, until ctx is done. Polling the content (a few kilobytes) needs no
// file-system notification API, and also sees a file replaced by a rename, as
// configuration management and Kubernetes do.
func (a *Authority) Watch(ctx context.Context, hup <-chan os.Signal, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	fetched := time.Now()
	for {
		force := false
		select {
		case <-ctx.Done():
			return
		case <-hup:
			force = true
		case <-t.C:
			force = a.policy.Load().jwksURL != "" && time.Since(fetched) > jwksRefresh
		}
		if force {
			fetched = time.Now()
		}
		_ = a.reload(force)
	}
}

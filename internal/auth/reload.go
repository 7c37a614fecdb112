package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"time"
)

// errStillBroken is load's answer for content that already failed to compile.
var errStillBroken = errors.New("auth file: unchanged since it last failed to load")

// load reads the file and, if it compiles, puts its policy in force.
func (a *Authority) load() error {
	b, err := os.ReadFile(a.path)
	if err != nil {
		return fmt.Errorf("auth file: %w", err)
	}
	sum := sha256.Sum256(b)
	if old := a.sum.Load(); old != nil && *old == sum {
		return nil
	}
	if bad := a.badSum.Load(); bad != nil && *bad == sum {
		return errStillBroken
	}
	p, err := Parse(b)
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
func (a *Authority) Reload() error {
	before := a.policy.Load()
	if err := a.load(); err != nil {
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

// Watch reloads the auth file on every value from hup (SIGHUP) and whenever its content
// changes, checked every poll, until ctx is done. Polling the content (a few kilobytes)
// needs no file-system notification API, and also sees a file replaced by a rename, as
// configuration management and Kubernetes do.
func (a *Authority) Watch(ctx context.Context, hup <-chan os.Signal, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		case <-t.C:
		}
		_ = a.Reload()
	}
}

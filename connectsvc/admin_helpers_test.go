package connectsvc_test

import (
	"context"
	"errors"

	"github.com/distlock/distlock/core/driver"
)

// The spy forwards the optional admin interfaces to its lessor.
func (s *spy) List(ctx context.Context, prefix string, size int, token string) (driver.ListPage, error) {
	if err := s.record("List"); err != nil {
		return driver.ListPage{}, err
	}
	return s.Lessor.(driver.Lister).List(ctx, prefix, size, token)
}

func (s *spy) ForceRelease(ctx context.Context, resource string) (driver.Broken, error) {
	if err := s.record("ForceRelease"); err != nil {
		return driver.Broken{}, err
	}
	return s.Lessor.(driver.ForceReleaser).ForceRelease(ctx, resource)
}

// adminGuard allows every call but ForceRelease on "guarded", names its caller "ops"
// and records what it was asked.
type adminGuard struct{ asked []string }

func (g *adminGuard) Authorize(_ context.Context, verb, resource string) error {
	g.asked = append(g.asked, verb+" "+resource)
	if verb == "admin" && resource == "guarded" {
		return errors.New("not an admin")
	}
	return nil
}

func (g *adminGuard) Owner(_ context.Context, label string) string { return label }

func (g *adminGuard) Principal(context.Context) (string, string) { return "ops", "token" }

// bare is a lessor with none of the optional interfaces.
type bare struct{ driver.Lessor }

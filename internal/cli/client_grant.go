package cli

import (
	"context"
	"sync"

	"connectrpc.com/connect"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"google.golang.org/protobuf/proto"
)

// grantRecorder keeps the service's own answer for the lease an Acquire returns, so that
// acquire prints what the service said (its field names, its clock's expireTime) and
// not a view of the CLI's making. The SDK confirms a late grant with one Extend, whose
// answer then holds the lease's TTL, expiry and fencing token.
type grantRecorder struct {
	mu    sync.Mutex
	grant *distlockv1.AcquireResponse
}

func (g *grantRecorder) interceptor() connect.Interceptor {
	return connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			res, err := next(ctx, req)
			if err == nil {
				g.note(res.Any())
			}
			return res, err
		}
	})
}

func (g *grantRecorder) note(msg any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch m := msg.(type) {
	case *distlockv1.AcquireResponse:
		g.grant = proto.CloneOf(m)
	case *distlockv1.ExtendResponse:
		if g.grant == nil {
			return
		}
		g.grant.Ttl, g.grant.ExpireTime = m.GetTtl(), m.GetExpireTime()
		if f := m.GetFencingToken(); f != 0 {
			g.grant.FencingToken = f
		}
	}
}

// lease returns the service's answer for the grant whose lease token is token, or nil.
func (g *grantRecorder) lease(token string) *distlockv1.AcquireResponse {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.grant.GetLeaseToken() != token {
		return nil
	}
	return g.grant
}

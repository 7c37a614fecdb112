package contenders

import (
	"context"
	"errors"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// Service takes locks through distlock's service with the generated Go Connect client.
type Service struct {
	name   string
	client distlockv1connect.LockServiceClient
	nodes  int
}

// NewService returns a Locker named name that calls the service at baseURL through
// httpClient; opts choose the codec (connect.WithProtoJSON for JSON; binary otherwise).
// nodes is how many Redis nodes stand behind the service.
func NewService(name string, httpClient connect.HTTPClient, baseURL string, nodes int, opts ...connect.ClientOption) *Service {
	return &Service{name: name, client: distlockv1connect.NewLockServiceClient(httpClient, baseURL, opts...), nodes: nodes}
}

// Name implements [Locker].
func (s *Service) Name() string { return s.name }

// Nodes implements [Locker].
func (s *Service) Nodes() int { return s.nodes }

// Close implements [Locker]; the HTTP client belongs to the caller.
func (s *Service) Close() error { return nil }

// Acquire implements [Locker]. The service bounds the wait by its own maximum too.
func (s *Service) Acquire(ctx context.Context, key string, ttl time.Duration, deadline time.Time) (Release, error) {
	resp, err := s.client.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{
		Resource: key,
		Ttl:      durationpb.New(ttl),
		Wait:     durationpb.New(max(time.Until(deadline), 0)),
	}))
	if connect.CodeOf(err) == connect.CodeAborted {
		return nil, errors.Join(ErrNotAcquired, err)
	}
	if err != nil {
		return nil, err
	}
	token := resp.Msg.GetLeaseToken()
	return func(ctx context.Context) error {
		_, err := s.client.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: key, LeaseToken: token}))
		return err
	}, nil
}

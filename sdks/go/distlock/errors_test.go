package distlock_test

import (
	"context"
	"errors"
	"testing"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/core"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// sentinels are every error of the contract; each code must match exactly one of them.
var sentinels = []error{
	core.ErrAcquireTimeout, core.ErrNotHeld, core.ErrUnavailable, core.ErrInvalidArgument,
	distlock.ErrUnauthenticated, distlock.ErrPermissionDenied,
}

func TestServiceCodesMapToContractErrors(t *testing.T) {
	tests := []struct {
		code connect.Code
		want error // nil: no sentinel, only the Connect error
	}{
		{connect.CodeAborted, core.ErrAcquireTimeout},
		{connect.CodeNotFound, core.ErrNotHeld},
		{connect.CodeUnavailable, core.ErrUnavailable},
		{connect.CodeInvalidArgument, core.ErrInvalidArgument},
		{connect.CodeUnauthenticated, distlock.ErrUnauthenticated},
		{connect.CodePermissionDenied, distlock.ErrPermissionDenied},
		{connect.CodeInternal, nil},
		{connect.CodeResourceExhausted, nil},
	}
	for _, tt := range tests {
		t.Run(tt.code.String(), func(t *testing.T) {
			f := &fakeService{info: func(context.Context, *connect.Request[distlockv1.InfoRequest]) (*distlockv1.InfoResponse, error) {
				return nil, connect.NewError(tt.code, errors.New("scripted failure"))
			}}
			l := newLessor(t, startFake(t, f))
			_, err := l.Info(t.Context(), "orders/42")
			if err == nil {
				t.Fatal("Info succeeded, want an error")
			}
			for _, s := range sentinels {
				if got := errors.Is(err, s); got != (s == tt.want) {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", err, s, got, !got)
				}
			}
			if got := connect.CodeOf(err); got != tt.code {
				t.Errorf("connect.CodeOf(err) = %v, want %v", got, tt.code)
			}
			if f.count("Info") != 1 {
				t.Errorf("Info called %d times, want 1 (no retry without a lease)", f.count("Info"))
			}
		})
	}
}

func TestCredentialsTravelAsHeaders(t *testing.T) {
	f := &fakeService{info: func(_ context.Context, req *connect.Request[distlockv1.InfoRequest]) (*distlockv1.InfoResponse, error) {
		switch req.Header().Get("Authorization") {
		case "":
			return nil, connect.NewError(connect.CodeUnauthenticated, errors.New("no credentials"))
		case "Bearer team-a":
			return &distlockv1.InfoResponse{Owner: "a"}, nil
		default:
			return nil, connect.NewError(connect.CodePermissionDenied, errors.New("not your namespace"))
		}
	}}
	url := startFake(t, f)

	_, err := newLessor(t, url).Info(t.Context(), "team-a/job")
	if !errors.Is(err, distlock.ErrUnauthenticated) {
		t.Errorf("without credentials: err = %v, want ErrUnauthenticated", err)
	}
	_, err = newLessor(t, url, distlock.WithHeader("Authorization", "Bearer team-b")).Info(t.Context(), "team-a/job")
	if !errors.Is(err, distlock.ErrPermissionDenied) {
		t.Errorf("with another team's credentials: err = %v, want ErrPermissionDenied", err)
	}
	info, err := newLessor(t, url, distlock.WithHeader("Authorization", "Bearer team-a")).Info(t.Context(), "team-a/job")
	if err != nil || info.Owner != "a" {
		t.Errorf("with credentials: Info = %+v, %v; want owner a", info, err)
	}
}

func TestErrorMessageNamesKindOnce(t *testing.T) {
	f := &fakeService{info: func(context.Context, *connect.Request[distlockv1.InfoRequest]) (*distlockv1.InfoResponse, error) {
		return nil, connect.NewError(connect.CodeNotFound, core.ErrNotHeld)
	}}
	_, err := newLessor(t, startFake(t, f)).Info(t.Context(), "r")
	if got, want := err.Error(), core.ErrNotHeld.Error(); got != want {
		t.Errorf("err.Error() = %q, want %q", got, want)
	}
}

// newLessor returns a Lessor for url that the test closes when it ends.
func newLessor(t *testing.T, url string, opts ...distlock.Option) *distlock.Lessor {
	t.Helper()
	l, err := distlock.New(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}
